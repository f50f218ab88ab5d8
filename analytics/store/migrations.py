"""The store's schema, as numbered migrations recorded in the store itself.

A migration is never edited once released: a change to the schema is a new migration appended
to MIGRATIONS, then `python -m analytics.store.schema` writes `schema.sql` again (their result
as one script, which an empty file is made a store from). `apply_migrations` runs the missing
ones, each in its own transaction.

Layout, and why:
- `daily_values` is long (day, metric, value) and keeps every import's values; the view
  `daily_latest` picks, per day and metric, the value of the export that ends latest (X revises
  its latest days, so the newest export wins) and, on a tie, the newest import. Deleting an
  import lets the older values show again.
- `posts_raw` keeps each import's version of a post; the view `posts` takes, column by column,
  the newest non-missing value, so an archive's exact time and a content CSV's impressions merge.
- Follower and following lists are stored as spells: (member, first seen, last seen), last seen
  missing while the member is still in the latest snapshot. A daily list of a million followers
  with 0.5% churn adds about 5,000 spells a day instead of a million rows.
- `profiles` holds the latest known profile of each member, one row per (account, member):
  the loader keeps keys unique (no index: see migration 3).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Migration:
    number: int
    description: str
    sql: str


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "accounts, imports, daily values, posts, snapshots, spells, profiles",
        """
        CREATE SEQUENCE account_ids START 1;
        CREATE TABLE accounts (
            account_id INTEGER PRIMARY KEY DEFAULT nextval('account_ids'),
            name VARCHAR NOT NULL UNIQUE,
            platform VARCHAR,
            handle VARCHAR,
            created_at TIMESTAMP NOT NULL DEFAULT current_timestamp
        );

        CREATE SEQUENCE import_ids START 1;
        CREATE TABLE imports (
            import_id INTEGER PRIMARY KEY DEFAULT nextval('import_ids'),
            account_id INTEGER NOT NULL,
            file_name VARCHAR NOT NULL,
            sha256 VARCHAR NOT NULL,
            format VARCHAR NOT NULL,
            rows BIGINT NOT NULL,
            imported_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
            date_min DATE,
            date_max DATE,
            summary VARCHAR,
            UNIQUE (account_id, sha256)
        );

        CREATE TABLE daily_values (
            account_id INTEGER NOT NULL,
            day DATE NOT NULL,
            metric VARCHAR NOT NULL,
            value BIGINT NOT NULL,
            import_id INTEGER NOT NULL,
            export_end DATE NOT NULL,
            PRIMARY KEY (account_id, day, metric, import_id)
        );
        CREATE VIEW daily_latest AS
            SELECT account_id, day, metric,
                   arg_max(value, (export_end, import_id)) AS value
            FROM daily_values
            GROUP BY account_id, day, metric;

        CREATE TABLE posts_raw (
            account_id INTEGER NOT NULL,
            post_id VARCHAR NOT NULL,
            import_id INTEGER NOT NULL,
            posted_at TIMESTAMP,
            has_time BOOLEAN,
            text VARCHAR,
            link VARCHAR,
            kind VARCHAR,
            impressions BIGINT,
            likes BIGINT,
            engagements BIGINT,
            bookmarks BIGINT,
            shares BIGINT,
            new_follows BIGINT,
            replies BIGINT,
            reposts BIGINT,
            profile_visits BIGINT,
            detail_expands BIGINT,
            url_clicks BIGINT,
            hashtag_clicks BIGINT,
            permalink_clicks BIGINT,
            PRIMARY KEY (account_id, post_id, import_id)
        );
        CREATE VIEW posts AS
            SELECT account_id, post_id,
                   coalesce(arg_max(posted_at, import_id) FILTER (WHERE has_time),
                            arg_max(posted_at, import_id)) AS posted_at,
                   coalesce(bool_or(has_time), false) AS has_time,
                   arg_max(text, import_id) FILTER (WHERE text IS NOT NULL) AS text,
                   arg_max(link, import_id) FILTER (WHERE link IS NOT NULL) AS link,
                   arg_max(kind, import_id) FILTER (WHERE kind IS NOT NULL) AS kind,
                   arg_max(impressions, import_id) FILTER (WHERE impressions IS NOT NULL) AS impressions,
                   arg_max(likes, import_id) FILTER (WHERE likes IS NOT NULL) AS likes,
                   arg_max(engagements, import_id) FILTER (WHERE engagements IS NOT NULL) AS engagements,
                   arg_max(bookmarks, import_id) FILTER (WHERE bookmarks IS NOT NULL) AS bookmarks,
                   arg_max(shares, import_id) FILTER (WHERE shares IS NOT NULL) AS shares,
                   arg_max(new_follows, import_id) FILTER (WHERE new_follows IS NOT NULL) AS new_follows,
                   arg_max(replies, import_id) FILTER (WHERE replies IS NOT NULL) AS replies,
                   arg_max(reposts, import_id) FILTER (WHERE reposts IS NOT NULL) AS reposts,
                   arg_max(profile_visits, import_id) FILTER (WHERE profile_visits IS NOT NULL) AS profile_visits,
                   arg_max(detail_expands, import_id) FILTER (WHERE detail_expands IS NOT NULL) AS detail_expands,
                   arg_max(url_clicks, import_id) FILTER (WHERE url_clicks IS NOT NULL) AS url_clicks,
                   arg_max(hashtag_clicks, import_id) FILTER (WHERE hashtag_clicks IS NOT NULL) AS hashtag_clicks,
                   arg_max(permalink_clicks, import_id) FILTER (WHERE permalink_clicks IS NOT NULL) AS permalink_clicks
            FROM posts_raw
            GROUP BY account_id, post_id;

        CREATE TABLE snapshots (
            account_id INTEGER NOT NULL,
            kind VARCHAR NOT NULL,
            snapshot_date DATE NOT NULL,
            members BIGINT NOT NULL,
            import_id INTEGER NOT NULL,
            PRIMARY KEY (account_id, kind, snapshot_date)
        );

        -- No primary key: spells are rewritten in bulk by the snapshot algebra, and DuckDB's
        -- index checks on updated rows would cost more than the scans they save.
        CREATE TABLE spells (
            account_id INTEGER NOT NULL,
            kind VARCHAR NOT NULL,
            member_key VARCHAR NOT NULL,
            first_seen DATE NOT NULL,
            last_seen DATE
        );

        CREATE TABLE profiles (
            account_id INTEGER NOT NULL,
            member_key VARCHAR NOT NULL,
            platform_id VARCHAR,
            handle VARCHAR,
            name VARCHAR,
            bio VARCHAR,
            location VARCHAR,
            followers_count BIGINT,
            following_count BIGINT,
            posts_count BIGINT,
            created_at TIMESTAMP,
            last_post_at TIMESTAMP,
            default_avatar BOOLEAN,
            verified BOOLEAN,
            followed_at TIMESTAMP,
            profile_url VARCHAR,
            as_of DATE NOT NULL,
            PRIMARY KEY (account_id, member_key)
        );
        """,
    ),
    # Meetups (analytics/meetups): events and their attendees, attendee-to-follower matches,
    # followers marked as known in person. Every table carries account_id so deleting an
    # account is one DELETE per table. Attendees' email addresses are never stored.
    Migration(
        2,
        "meetups: events, attendees, matches, known in person",
        """
        CREATE SEQUENCE meetup_event_ids START 1;
        CREATE TABLE meetup_events (
            event_id INTEGER PRIMARY KEY DEFAULT nextval('meetup_event_ids'),
            account_id INTEGER NOT NULL,
            name VARCHAR NOT NULL,
            event_date DATE NOT NULL,
            place VARCHAR,
            file_name VARCHAR NOT NULL,
            sha256 VARCHAR NOT NULL,
            imported_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
            UNIQUE (account_id, sha256)
        );

        CREATE SEQUENCE meetup_attendee_ids START 1;
        CREATE TABLE meetup_attendees (
            attendee_id INTEGER PRIMARY KEY DEFAULT nextval('meetup_attendee_ids'),
            account_id INTEGER NOT NULL,
            event_id INTEGER NOT NULL,
            line INTEGER NOT NULL,
            name VARCHAR,
            name_key VARCHAR NOT NULL,
            handle VARCHAR,
            handles VARCHAR[] NOT NULL,
            profile_url VARCHAR,
            response VARCHAR
        );

        -- One match per attendee; a rejected one stays, so matching again never re-suggests it.
        CREATE TABLE meetup_matches (
            attendee_id INTEGER PRIMARY KEY,
            account_id INTEGER NOT NULL,
            member_key VARCHAR NOT NULL,
            method VARCHAR NOT NULL CHECK (method IN ('handle', 'fuzzy', 'manual')),
            confidence DOUBLE NOT NULL,
            status VARCHAR NOT NULL CHECK (status IN ('suggested', 'confirmed', 'rejected')),
            decided_at TIMESTAMP
        );

        -- Followers the user marked by hand; confirmed matches count as known too (read time).
        CREATE TABLE known_in_person (
            account_id INTEGER NOT NULL,
            member_key VARCHAR NOT NULL,
            source VARCHAR NOT NULL,
            added_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
            PRIMARY KEY (account_id, member_key)
        );
        """,
    ),
    # Profiles without a primary key. Its ART index was as big as the profiles themselves (55 MB
    # of 123 MB for a million followers) and made every import rebuild it; the loader inserts
    # only members the store lacks (a NOT EXISTS anti-join), so keys stay unique without it.
    # Rows are written sorted by key, which compresses the keys better.
    Migration(
        3,
        "profiles without the primary key index (smaller store, faster imports)",
        """
        CREATE TABLE profiles_compact (
            account_id INTEGER NOT NULL,
            member_key VARCHAR NOT NULL,
            platform_id VARCHAR,
            handle VARCHAR,
            name VARCHAR,
            bio VARCHAR,
            location VARCHAR,
            followers_count BIGINT,
            following_count BIGINT,
            posts_count BIGINT,
            created_at TIMESTAMP,
            last_post_at TIMESTAMP,
            default_avatar BOOLEAN,
            verified BOOLEAN,
            followed_at TIMESTAMP,
            profile_url VARCHAR,
            as_of DATE NOT NULL
        );
        INSERT INTO profiles_compact SELECT * FROM profiles ORDER BY account_id, member_key;
        DROP TABLE profiles;
        ALTER TABLE profiles_compact RENAME TO profiles;
        """,
    ),
    # Audience analysis kept in the store (analytics/analysis.py). Detecting languages,
    # matching places and fitting bios to topics took minutes on a million followers at every
    # page view; each profile is now analysed once per text (name, bio, location), and the
    # Audience page reads small tables. Derived data only: every table can be rebuilt from
    # profiles, spells and posts, and carries account_id so deleting an account removes it.
    Migration(
        4,
        "audience features per profile, the account's topic model, precomputed audience figures",
        """
        -- One row per profile analysed; no index, for the reason of migration 3.
        CREATE TABLE profile_features (
            account_id INTEGER NOT NULL,
            member_key VARCHAR NOT NULL,
            text_hash UBIGINT NOT NULL,   -- hash of the name, bio and location analysed
            language VARCHAR NOT NULL,    -- ISO 639-1 code of the bio, or 'unknown'
            country VARCHAR,              -- ISO 3166-1 alpha-2 of the location, NULL when unknown
            has_words BOOLEAN NOT NULL,   -- bio or name holds a word of the fit space
            fit REAL,                     -- cosine fit to the account's topics; NULL without words
            topic SMALLINT NOT NULL       -- topic of the bio in the account's model, -1 for none
        );
        -- Per account: what the features were computed from, so a page knows they are current.
        CREATE TABLE audience_state (
            account_id INTEGER NOT NULL,
            features_version INTEGER NOT NULL,
            fingerprint UBIGINT NOT NULL,     -- the account's imports when last brought up to date
            posts_hash UBIGINT NOT NULL,      -- the post texts the model was fitted with
            basis VARCHAR,                    -- 'posts' or 'followers': where the topic vector comes from
            fit_reason VARCHAR,               -- why no fit can be computed, when none can
            topics_reason VARCHAR,            -- why no topics can be found, when none can
            profiles_fitted BIGINT NOT NULL,  -- profiles the model was fitted on
            changed_since_fit BIGINT NOT NULL,
            fitted_at TIMESTAMP NOT NULL,
            refreshed_at TIMESTAMP NOT NULL
        );
        -- The account's model: the terms of both TF-IDF spaces and the topics' term weights.
        CREATE TABLE audience_terms (
            account_id INTEGER NOT NULL,
            space VARCHAR NOT NULL,           -- 'fit' (words of bios, names, posts) or 'topics' (bios)
            position INTEGER NOT NULL,        -- the term's column in its space
            term VARCHAR NOT NULL,
            idf DOUBLE NOT NULL,
            weight DOUBLE                     -- 'fit': the account's topic vector
        );
        CREATE TABLE audience_topics (
            account_id INTEGER NOT NULL,
            topic SMALLINT NOT NULL,
            position INTEGER NOT NULL,        -- a term of the 'topics' space
            weight DOUBLE NOT NULL
        );
        -- Figures of one snapshot (or one pair of snapshots) counted once, per import state.
        CREATE TABLE audience_cubes (
            account_id INTEGER NOT NULL,
            fingerprint UBIGINT NOT NULL,
            snapshot_date DATE,               -- NULL: figures of the account (its posts)
            since_date DATE,                  -- pairs of snapshots: the earlier one
            dimension VARCHAR NOT NULL,
            value VARCHAR,
            members BIGINT NOT NULL,
            with_text BIGINT,
            score_sum DOUBLE,
            on_topic BIGINT
        );
        -- The first people of a snapshot's lists (best fits, flagged followers) in page order,
        -- with the profile fields shown: a page reads them without joining a million profiles.
        CREATE TABLE audience_people (
            account_id INTEGER NOT NULL,
            fingerprint UBIGINT NOT NULL,
            snapshot_date DATE NOT NULL,
            list VARCHAR NOT NULL,
            rank INTEGER NOT NULL,
            member_key VARCHAR NOT NULL,
            handle VARCHAR,
            name VARCHAR,
            bio VARCHAR,
            fit REAL,
            followers_count BIGINT,
            following_count BIGINT,
            posts_count BIGINT,
            created_at TIMESTAMP,
            last_post_at TIMESTAMP,
            default_avatar BOOLEAN
        );
        """,
    ),
    # Smaller profiles: a year of daily lists of a million followers holds about 2.8 million
    # profiles, so every byte per profile counts. The platform id was stored twice where it is
    # the member key (X, Bluesky, generic lists): a flag says so instead, and `platform_id` keeps
    # only ids that differ from the key (Mastodon keys members by address). Bios, the longest text,
    # compress to about half with zstd (measured on the benchmark's million profiles: 75 blocks
    # with DuckDB's default dictionary/FSST, 42 with zstd); shorter fields stay with the default,
    # which does better on them. Times to the second (no export gives fractions that matter)
    # take 30 bits instead of 50: Palier reads account age and inactivity in days.
    Migration(
        5,
        "smaller profiles: no duplicate platform id, bios compressed with zstd, times to the second",
        """
        CREATE TABLE profiles_v5 (
            account_id INTEGER NOT NULL,
            member_key VARCHAR NOT NULL,
            keyed_by_id BOOLEAN NOT NULL,
            platform_id VARCHAR,
            handle VARCHAR,
            name VARCHAR,
            bio VARCHAR USING COMPRESSION zstd,
            location VARCHAR,
            followers_count BIGINT,
            following_count BIGINT,
            posts_count BIGINT,
            created_at TIMESTAMP_S,
            last_post_at TIMESTAMP_S,
            default_avatar BOOLEAN,
            verified BOOLEAN,
            followed_at TIMESTAMP_S,
            profile_url VARCHAR,
            as_of DATE NOT NULL
        );
        INSERT INTO profiles_v5
        SELECT account_id, member_key, coalesce(platform_id = member_key, false),
               nullif(platform_id, member_key), handle, name, bio, location,
               followers_count, following_count, posts_count,
               CAST(date_trunc('second', created_at) AS TIMESTAMP_S),
               CAST(date_trunc('second', last_post_at) AS TIMESTAMP_S), default_avatar, verified,
               CAST(date_trunc('second', followed_at) AS TIMESTAMP_S), profile_url, as_of
        FROM profiles ORDER BY account_id, member_key;
        DROP TABLE profiles;
        ALTER TABLE profiles_v5 RENAME TO profiles;
        """,
    ),
    # Members numbered once. A year of daily lists of a million followers sees about 2.8 million
    # members; their text keys (a 19-digit X id, a Bluesky DID, a Mastodon address) took about
    # 18 MB in each of profiles, spells and profile_features (DuckDB's dictionary/FSST gets them to
    # 6 bytes each). The key is now stored once, in profiles, beside an integer `member_id`
    # drawn from a sequence; spells and profile_features refer to the member by that id, which
    # takes a fraction of a byte once numbered in order of first appearance (new members arrive
    # in increasing ids, so a segment's ids are close together).
    # profile_features loses its text hash (12 MB, random values do not compress): the loader
    # deletes a profile's features when it writes a new name, bio or location, so features that
    # exist are current, and the analysis step computes the missing ones. Features whose hash
    # no longer matched their profile are not carried over, for the same reason.
    # Account creation and last post are kept as dates (12 MB each as times to the second, 5 as
    # dates): Palier reads account age and inactivity in days and shows them as dates, and these
    # columns change every day for the members who post, so their size counts twice (DuckDB
    # writes the new version of a changed column before freeing the old one). For the same
    # reason profiles lose `as_of`, the date of the snapshot that last changed them, rewritten for
    # every changed profile and read by nothing: when a member was last seen is in the spells.
    Migration(
        6,
        "members numbered once: spells and features refer to profiles by id; dates for creation and last post; no as_of",
        """
        -- A member listed in a spell always has a profile (the loader writes both); a store
        -- written otherwise still keeps every spell.
        INSERT INTO profiles (account_id, member_key, keyed_by_id, as_of)
        SELECT s.account_id, s.member_key, false, max(coalesce(s.last_seen, s.first_seen)) FROM spells s
        WHERE NOT EXISTS (SELECT 1 FROM profiles p WHERE p.account_id = s.account_id AND p.member_key = s.member_key)
        GROUP BY s.account_id, s.member_key;

        CREATE TEMP TABLE member_numbers AS
        SELECT p.account_id, p.member_key,
               CAST(row_number() OVER (ORDER BY p.account_id, f.first_seen NULLS LAST, p.member_key) AS INTEGER) AS member_id
        FROM profiles p
        LEFT JOIN (SELECT account_id, member_key, min(first_seen) AS first_seen FROM spells GROUP BY ALL) f
          ON f.account_id = p.account_id AND f.member_key = p.member_key;

        CREATE SEQUENCE member_ids START 1;
        -- Moves the sequence past the ids given here (one nextval per member).
        SELECT max(nextval('member_ids')) FROM member_numbers;

        CREATE TABLE profiles_v6 (
            account_id INTEGER NOT NULL,
            member_id INTEGER NOT NULL DEFAULT nextval('member_ids'),
            member_key VARCHAR NOT NULL,
            keyed_by_id BOOLEAN NOT NULL,
            platform_id VARCHAR,
            handle VARCHAR,
            name VARCHAR,
            bio VARCHAR USING COMPRESSION zstd,
            location VARCHAR,
            followers_count BIGINT,
            following_count BIGINT,
            posts_count BIGINT,
            created_at DATE,
            last_post_at DATE,
            default_avatar BOOLEAN,
            verified BOOLEAN,
            followed_at TIMESTAMP_S,
            profile_url VARCHAR
        );
        INSERT INTO profiles_v6
        SELECT p.account_id, n.member_id, p.member_key, p.keyed_by_id, p.platform_id, p.handle, p.name, p.bio,
               p.location, p.followers_count, p.following_count, p.posts_count, CAST(p.created_at AS DATE),
               CAST(p.last_post_at AS DATE),
               p.default_avatar, p.verified, p.followed_at, p.profile_url
        FROM profiles p JOIN member_numbers n ON n.account_id = p.account_id AND n.member_key = p.member_key
        ORDER BY n.member_id;
        DROP TABLE profiles;
        ALTER TABLE profiles_v6 RENAME TO profiles;

        CREATE TABLE spells_v6 (
            account_id INTEGER NOT NULL,
            kind VARCHAR NOT NULL,
            member_id INTEGER NOT NULL,
            first_seen DATE NOT NULL,
            last_seen DATE
        );
        INSERT INTO spells_v6
        SELECT s.account_id, s.kind, n.member_id, s.first_seen, s.last_seen
        FROM spells s JOIN member_numbers n ON n.account_id = s.account_id AND n.member_key = s.member_key
        ORDER BY s.account_id, s.kind, n.member_id, s.first_seen;
        DROP TABLE spells;
        ALTER TABLE spells_v6 RENAME TO spells;

        -- Derived data: features of a profile no longer stored are not carried over.
        CREATE TABLE profile_features_v6 (
            account_id INTEGER NOT NULL,
            member_id INTEGER NOT NULL,
            language VARCHAR NOT NULL,    -- ISO 639-1 code of the bio, or 'unknown'
            country VARCHAR,              -- ISO 3166-1 alpha-2 of the location, NULL when unknown
            has_words BOOLEAN NOT NULL,   -- bio or name holds a word of the fit space
            fit REAL,                     -- cosine fit to the account's topics; NULL without words
            topic SMALLINT NOT NULL       -- topic of the bio in the account's model, -1 for none
        );
        INSERT INTO profile_features_v6
        SELECT f.account_id, n.member_id, f.language, f.country, f.has_words, f.fit, f.topic
        FROM profile_features f
        JOIN member_numbers n ON n.account_id = f.account_id AND n.member_key = f.member_key
        JOIN profiles p ON p.account_id = f.account_id AND p.member_id = n.member_id
        WHERE f.text_hash = hash(coalesce(p.name, ''), coalesce(p.bio, ''), coalesce(p.location, ''))
        ORDER BY n.member_id;
        DROP TABLE profile_features;
        ALTER TABLE profile_features_v6 RENAME TO profile_features;
        DROP TABLE member_numbers;

        -- Spells with each member's key, for reading the store by hand (and the tests).
        CREATE VIEW member_spells AS
        SELECT s.account_id, s.kind, p.member_key, s.member_id, s.first_seen, s.last_seen
        FROM spells s JOIN profiles p ON p.account_id = s.account_id AND p.member_id = s.member_id;
        """,
    ),
    # Lists of people kept by the audience analysis step (analysis._write_cubes) for the pages'
    # first view: the Churn page's joined and left between the latest two lists and its latest quick
    # unfollows (analytics.metrics.lists), and the Audience page's best fits of any list (a pool of
    # spells in the order of fit, analysis.FIT_POOL_SQL). Finding a few thousand members' profiles
    # among the millions of a year took most of a page's first second. Derived data, like migration
    # 4's tables: rows carry the fingerprint of the imports they were counted from, and their counts
    # sit in audience_cubes.
    # The profile columns are made from `profiles` itself, so their types are those of the
    # profiles table as the migrations before this one left it (a kept list reads back exactly as
    # the list counted from the profiles).
    Migration(
        7,
        "kept by the analysis step: lists of people (joined, left, quick unfollows, the best fits' pool), the spell grid",
        """
        CREATE TABLE list_people AS
        SELECT CAST(NULL AS INTEGER) AS account_id,
               CAST(NULL AS UBIGINT) AS fingerprint,      -- the account's imports they were counted from
               CAST(NULL AS VARCHAR) AS list,             -- 'joined', 'left', 'quick_<days>', 'fit_pool'
               CAST(NULL AS DATE) AS since_date,          -- joined and left: the earlier list
               CAST(NULL AS DATE) AS snapshot_date,       -- joined and left: the later list
               CAST(NULL AS INTEGER) AS rank,             -- the page's order, from 0
               p.member_key,
               CAST(NULL AS DATE) AS first_seen,          -- the fit pool: the spell's
               CAST(NULL AS DATE) AS last_seen,
               CAST(NULL AS DATE) AS absent_on,           -- quick unfollows: the first list without them
               CAST(NULL AS BIGINT) AS days_followed,
               CAST(NULL AS REAL) AS fit,                 -- the fit pool: the member's fit
               p.handle, p.name, p.bio, p.location, p.followers_count, p.following_count, p.posts_count,
               p.verified, p.default_avatar, p.created_at, p.last_post_at, p.profile_url
        FROM profiles p WHERE false;
        -- The spells grouped by their first and last list, with the fit figures the Audience page
        -- counts (analysis.INSERT_GRID_SQL): stayers between any two lists are a sum over it. Its
        -- own table: about 67,000 cells for a year of daily lists, more each year, which every
        -- read of audience_cubes would scan.
        CREATE TABLE spell_grid (
            account_id INTEGER NOT NULL,
            fingerprint UBIGINT NOT NULL,
            first_seen DATE NOT NULL,
            last_seen DATE,                   -- NULL: still following
            members BIGINT NOT NULL,
            with_text BIGINT NOT NULL,
            score_sum DOUBLE,
            on_topic BIGINT NOT NULL
        );
        """,
    ),
    # Why each follower who left did (issue 17): the public APIs' answer about the accounts that
    # left between two lists (analytics.collect.losses). One verdict per member and list: the
    # first list without them; a new check of the same loss replaces its verdict.
    Migration(
        8,
        "loss verdicts: why a follower who left did; handle changes of members keyed on a stable id",
        """
        CREATE TABLE loss_verdicts (
            account_id INTEGER NOT NULL,
            member_id INTEGER NOT NULL,
            absent_on DATE NOT NULL,          -- the first list without the member
            cause VARCHAR NOT NULL,           -- unfollowed, deactivated, suspended, deleted, renamed, unknown
            detail VARCHAR,                   -- the API's words (an error name, the new address of a moved account)
            checked_at TIMESTAMP NOT NULL,
            PRIMARY KEY (account_id, member_id, absent_on)
        );
        -- A profile's earlier handles: a member keyed on a stable id (X account id, Bluesky DID)
        -- who changes handle stays the same member; the change is kept here and counted as a
        -- rename, never as one who left and one who came.
        CREATE TABLE handle_changes (
            account_id INTEGER NOT NULL,
            member_id INTEGER NOT NULL,
            changed_on DATE NOT NULL,         -- the first list with the new handle
            old_handle VARCHAR,
            new_handle VARCHAR
        );
        """,
    ),
    # An import's summary in the reader's language (issue 20): the facts it is written from (format,
    # days, posts, the lists loaded and replaced, dates) as JSON, read by analytics.ingest.summary
    # when the history is shown. `summary` keeps the line written at import time; imports made
    # before this migration have only that, and show it.
    Migration(
        9,
        "import summaries as facts, written in the reader's language",
        """
        ALTER TABLE imports ADD COLUMN facts JSON;
        """,
    ),
)


def latest_version() -> int:
    return MIGRATIONS[-1].number
