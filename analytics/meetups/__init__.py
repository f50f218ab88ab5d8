"""Meetups: online contacts met offline.

An event is one attendee list (a Meetup, Eventbrite or Luma CSV export, or any CSV with a name
column) with the date and place the user gives. Attendees are matched to the account's
followers, by handle first and then by name; the user confirms or rejects the name matches and
can mark any follower as known in person by hand.

- `attendees`: parsing the CSVs (no store);
- `matching`: handle normalisation and the matching rules (no store);
- `store`: every write, each one transaction;
- reads are in `analytics.metrics.meetups`, charts in `analytics.charts.meetups`.
"""
