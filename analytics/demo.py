"""The bundled demo account: a deterministic 18-month X account written as real export files.

Palier opens on demo data when the store is empty. The demo is not a special path into the
store: `write_demo_files` writes the same files a user would download (X Premium account
overview and content CSVs, daily follower lists and a follower-count history in Palier's
generic CSVs) and `load_demo` imports them through `import_sources`, like any upload. So the
demo exercises the importers, and every chart shows what a real account would show.

The story is driven by one event stream: who follows and unfollows on which day. The daily
follower lists are that stream's state, the overview's `New follows` / `Unfollows` are its
daily differences, the follower-count anchors are its sizes on a few days, and the posts'
popularity is what drives the gains. So the files agree with each other exactly, the way real
exports of one account do (the overview's follows equal the list diffs).

The storyline (at scale 1.0): about 600 followers growing to about 2,500; gains arrive the day
after popular posts and the follow-then-unfollow churners leave within a week, which gives the
curve its steps; a quiet period of 3-4 weeks without posts during which the account loses
followers; a plateau of several weeks with net growth near zero; one purge day when the
platform removes spam accounts (a loss many times the usual).

Everything is derived from `random.Random(seed)`: no global random state, no clock.
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import math
import random
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from analytics.errors import PalierError
from analytics.i18n import N_, _
from analytics.ingest.model import SourceFile
from analytics.ingest.service import ImportOptions, Outcome, import_sources
from analytics.settings import PROJECT_ROOT
from analytics.store import Store

DEMO_ACCOUNT = "demo"
DEMO_HANDLE = "datadesk_demo"
DEMO_END = dt.date(2026, 10, 31)
DEMO_MONTHS = 18
DEMO_SEED = 7

START_FOLLOWERS = 600
END_FOLLOWERS = 2500
QUIET_DAYS = 24  # "3-4 weeks" without a post
PLATEAU_DAYS = 56  # "several weeks" of flat growth at full length
PURGE_LOSS = 70  # followers removed on the purge day at scale 1.0
MIN_PURGE_LOSS = 8  # so a tiny demo's purge still stands out from daily noise
BASE_UNFOLLOW_RATE = 0.0012  # share of followers leaving on an ordinary day
QUIET_UNFOLLOW_FACTOR = 2.5  # unfollows speed up while the account is silent
CHURNER_SHARE = 0.25  # new followers who leave again within a week...
NEXT_DAY_SHARE = 0.9  # ...most the next day: follow-for-follow accounts not followed back
RETURN_SHARE = 0.03  # new follows that are people who had unfollowed before
PLATEAU_AT = 0.62  # where the plateau starts, as a share of the period
PURGE_AT = 0.85
# Posts a day (0 to 4) on weekdays and weekends, and how much follows depend on posts.
WEEKDAY_POSTS = (45, 30, 15, 7, 3)
WEEKEND_POSTS = (60, 25, 10, 4, 1)
VIRALITY_SIGMA = 0.5
SAME_DAY_PULL = 0.0
BOOST = 2.3  # ordinary growth from two months before the plateau on, against the first months
CHURN_CAP = 12  # churners leaving on one day, at scale 1.0
BOOST_DAYS = 70
PULL_WEIGHT = 0.9
X_OVERVIEW_MAX_DAYS = 365  # X exports at most a year of daily rows
CONTENT_WINDOW_DAYS = 91
LIST_FILE_DAYS = 0  # content exports are downloaded a quarter at a time

# English names: the C locale is not guaranteed, and X writes English whatever the UI language.
_DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

OVERVIEW_HEADER = (
    "Date,Impressions,Likes,Engagements,Bookmarks,Shares,New follows,Unfollows,Replies,Reposts,"
    "Profile visits,Create Post,Video views,Media views"
)
CONTENT_HEADER = (
    "Post id,Date,Post text,Post Link,Impressions,Likes,Engagements,Bookmarks,Shares,New follows,"
    "Replies,Reposts,Profile visits,Detail Expands,URL Clicks,Hashtag Clicks,Permalink Clicks"
)
LIST_COLUMNS = (
    "handle",
    "id",
    "name",
    "bio",
    "location",
    "followers_count",
    "following_count",
    "posts_count",
    "created_at",
    "last_post_at",
    "default_avatar",
    "verified",
)

TWITTER_EPOCH_MS = 1288834974657  # snowflake ids count milliseconds from here
SNOWFLAKE_START = dt.date(2016, 1, 1)
FIRST_ACCOUNT_DAY = dt.date(2007, 1, 1)  # accounts created before this get short numeric ids


# --- Vocabulary -------------------------------------------------------------------------------

_FIRST_EN = (
    "Emma", "Olivia", "Liam", "Noah", "Ava", "James", "Sophia", "Lucas", "Mia", "Ethan", "Grace",
    "Daniel", "Chloe", "Ryan", "Hannah", "Oscar", "Priya", "Kenji", "Amara", "Tom", "Zoe", "Sam",
)
_FIRST_FR = (
    "Camille", "Léa", "Hugo", "Manon", "Louis", "Chloé", "Théo", "Inès", "Jules", "Clémence",
    "Mathieu", "Élodie", "Antoine", "Margaux", "Nicolas", "Sarah", "Julien", "Anaïs", "Benoît",
    "Héloïse", "Yanis", "Océane",
)
_LAST_EN = (
    "Smith", "Brown", "Taylor", "Walker", "Harris", "Clarke", "Patel", "Nguyen", "Murphy", "Kelly",
    "Hughes", "Foster", "Reyes", "Okafor", "Larsen", "Wright",
)
_LAST_FR = (
    "Martin", "Bernard", "Dubois", "Moreau", "Laurent", "Lefèvre", "Girard", "Roux", "Fournier",
    "Mercier", "Blanc", "Garnier", "Faure", "Chevalier", "Lambert", "Gauthier",
)
_OUTLETS_EN = ("The Ledger", "Civic Wire", "the Northern Post", "DataDesk Weekly", "Open Budget Lab")
_OUTLETS_FR = ("La Dépêche des données", "Le Quotidien", "Rue des Chiffres", "Ouest Data", "Mediacités")
_LOCATIONS_EN = ("London", "New York, NY", "Manchester", "Toronto", "Berlin", "Amsterdam", "Dublin", "")
_LOCATIONS_FR = ("Paris, France", "Lyon", "Montréal, QC", "Bruxelles", "Genève", "Nantes", "Toulouse", "Lille", "")

_TOPIC_BIOS_EN = (
    "Data journalist at {outlet}. Charts, maps & FOIA requests.",
    "Open data advocate. Civic tech, transparency, public budgets.",
    "Dataviz designer. D3, Observable, R. Views my own.",
    "Newsroom developer: Python, SQL, scraping. Previously at {outlet}.",
    "I make maps. Cartography, GIS and the occasional \"chart crime\" thread.",
    "Investigative reporter, data team @ {outlet}. Tips welcome (Signal in bio link).",
    "Statistician turned journalist. Uncertainty is a feature, not a bug.",
    "Teaching data journalism, one spreadsheet at a time.",
)
_TOPIC_BIOS_FR = (
    "Journaliste de données à {outlet}. Cartes, graphiques et open data.",
    "Datavisualisation, cartographie et données publiques.",
    "Militante de l'open data. Transparence, budgets publics, data.gouv.fr.",
    "Développeur dans une rédaction : Python, R, scraping. Avant chez {outlet}.",
    "Data-journaliste indépendant. Enquêtes chiffrées, « fact-checking » et tableurs.",
    "Cartographe et graphiste. Je transforme les données en images.",
    "Prof de journalisme de données. Les tableaux croisés n'ont plus de secret.",
    "Statisticienne à l'Insee (avis personnels). Séries longues et petites communes.",
)
_OFFTOPIC_BIOS_EN = (
    "Runner. Coffee. Dad of two.",
    "Gardening, sourdough and too many houseplants.",
    "Photographer, mostly street & seaside.",
    "Football fan. Season ticket holder since 2009.",
    "Nurse, night shifts, tea.",
    "Board games, sci-fi, bad puns.",
)
_OFFTOPIC_BIOS_FR = (
    "Cycliste du dimanche, cuisinier du samedi.",
    "Football, musique et voyages.",
    "Photographe amateur, Lyon.",
    "Infirmière. Montagne l'été, ski l'hiver.",
    "Passionné de jeux vidéo et de séries.",
    "Maman, prof de français, lectrice compulsive.",
)
_SPAM_BIOS = (
    "Follow back 100% 🔥 DM for promo",
    "Crypto signals | 100x gems | DM me",
    "Gagnez de l'argent depuis chez vous, lien en bio",
    "Promo & shoutouts, fast delivery",
    "",
)
_MASS_BIOS = (
    "I follow back! #TeamFollowBack",
    "Growth hacker | Road to 10k",
    "Marketing digital, je suis en retour 🤝",
    "Entrepreneur. Motivation. Follow for follow.",
)

_POST_TEXTS_EN = (
    "New chart: {topic} since {year}. The trend is clearer than the headlines suggest {link}",
    "Thread 🧵 How we checked {n} figures on {topic} &amp; what we found",
    "Open data tip: the {topic} dataset now has an API. No more scraping {link}",
    "Small multiples beat one busy chart. Example with {topic}: {link}",
    "Reminder: a map of {topic} is often just a population map. Normalise per capita!",
    "We published the code and data behind our {topic} story {link}",
    "Is {topic} really up {n}%? It depends on the baseline, and the baseline is 2020 &gt; careful",
    "Workshop next week: from spreadsheet to story, with real {topic} data. Slides: {link}",
    "\"Where does the number come from?\" is still the best question in journalism.",
)
_POST_TEXTS_FR = (
    "Nouveau graphique : {topic} depuis {year}. La tendance est nette {link}",
    "Thread 🧵 On a vérifié {n} chiffres sur {topic} &amp; voici le résultat",
    "Astuce open data : le jeu de données {topic} a maintenant une API {link}",
    "Une carte de {topic} n'est souvent qu'une carte de la population. Pensez au ratio par habitant !",
    "Le code et les données de notre enquête sur {topic} sont en ligne {link}",
    "{topic} en hausse de {n} % ? Tout dépend de l'année de référence, attention aux « records »",
    "Atelier la semaine prochaine : du tableur au récit, avec les données de {topic} {link}",
)
_TOPICS_EN = ("rents", "bus ridership", "hospital waiting times", "school budgets", "air quality", "local elections", "river temperatures")
_TOPICS_FR = ("loyers", "la fréquentation des TER", "les urgences", "budgets municipaux", "la qualité de l'air",
              "élections municipales", "prix de l'énergie")


# --- The simulated account --------------------------------------------------------------------


@dataclass
class Person:
    """A follower (present, past or future) and the profile written in the lists."""

    platform_id: str
    handle: str
    kind: str  # topic, offtopic, egg, spam, mass, inactive, new: what the story needs to show
    row: str  # the CSV line of this member in a follower list, formatted once


@dataclass
class Post:
    day: dt.date
    post_id: str
    text: str
    virality: float  # drawn up front: popular posts drive the next day's gains
    impressions: int = 0
    likes: int = 0
    engagements: int = 0
    bookmarks: int = 0
    shares: int = 0
    new_follows: int = 0
    replies: int = 0
    reposts: int = 0
    profile_visits: int = 0
    detail_expands: int = 0
    url_clicks: int = 0
    hashtag_clicks: int = 0
    permalink_clicks: int = 0


@dataclass
class Story:
    """The simulated account: days, posts, follow events and daily follower lists."""

    start: dt.date
    end: dt.date
    quiet: tuple[dt.date, dt.date]
    plateau: tuple[dt.date, dt.date]
    purge_day: dt.date
    posts: list[Post] = field(default_factory=list)
    gains: dict[dt.date, int] = field(default_factory=dict)
    losses: dict[dt.date, int] = field(default_factory=dict)
    sizes: dict[dt.date, int] = field(default_factory=dict)
    # Each day's follower list as indices into `people`, newest follow first (X's order).
    lists: dict[dt.date, list[int]] = field(default_factory=dict)
    people: list[Person] = field(default_factory=list)

    @property
    def days(self) -> list[dt.date]:
        return [self.start + dt.timedelta(days=i) for i in range((self.end - self.start).days + 1)]


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    # Clamp to the month's last day (Oct 31 minus one month is Sep 30).
    next_month = dt.date(year + month // 12, month % 12 + 1, 1)
    last = (next_month - dt.timedelta(days=1)).day
    return dt.date(year, month, min(day.day, last))


def _poisson(rng: random.Random, mean: float) -> int:
    """A Poisson draw from the given generator (random.Random has none)."""
    if mean <= 0:
        return 0
    if mean > 40:  # the normal approximation is indistinguishable here and O(1)
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, product, count = math.exp(-mean), rng.random(), 0
    while product > limit:
        product *= rng.random()
        count += 1
    return count


def _iso(moment: dt.datetime) -> str:
    # Full timestamps, like the APIs the list tools read from (and a 10-character date would
    # also be accepted by the generic format).
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _snowflake(rng: random.Random, moment: dt.datetime) -> int:
    ms = int((moment - dt.datetime(1970, 1, 1)).total_seconds() * 1000) - TWITTER_EPOCH_MS
    return (ms << 22) | (rng.randrange(1024) << 12) | rng.randrange(4096)


class _People:
    """Makes follower profiles of the kinds the dashboard's audience views look for."""

    def __init__(self, rng: random.Random, end: dt.date) -> None:
        self.rng = rng
        self.end = end
        self.handles: set[str] = set()
        self.ids: set[str] = set()

    def _moment(self, day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, dt.time()) + dt.timedelta(seconds=self.rng.randrange(86400))

    def _id(self, created: dt.datetime) -> str:
        while True:
            if created.date() < SNOWFLAKE_START:
                # Pre-snowflake accounts have short sequential ids, growing with the date.
                base = int((created - dt.datetime(2006, 3, 1)).days * 280_000)
                value = str(max(1, base + self.rng.randrange(280_000)))
            else:
                value = str(_snowflake(self.rng, created))
            if value not in self.ids:
                self.ids.add(value)
                return value

    def _handle(self, first: str, last: str, style: str) -> str:
        rng = self.rng
        plain = {"é": "e", "è": "e", "ë": "e", "ê": "e", "É": "E", "ï": "i", "î": "i", "ç": "c", "à": "a", "â": "a"}
        first_ascii = "".join(plain.get(c, c) for c in first)
        last_ascii = "".join(plain.get(c, c) for c in last)
        while True:
            if style == "egg":
                handle = f"{first_ascii}{rng.randrange(10**7, 10**9)}"
            elif style == "spam":
                handle = f"{first_ascii.lower()}_{rng.choice(('promo', 'gains', 'shop', 'crypto'))}{rng.randrange(100, 9999)}"
            else:
                shape = rng.randrange(4)
                if shape == 0:
                    handle = f"{first_ascii.lower()}{last_ascii.lower()}"
                elif shape == 1:
                    handle = f"{first_ascii[0].lower()}{last_ascii.lower()}{rng.randrange(1, 99)}"
                elif shape == 2:
                    handle = f"{first_ascii}_{last_ascii}"
                else:
                    handle = f"{last_ascii.lower()}{rng.choice(('data', 'viz', 'news', 'info', ''))}"
            handle = handle[:15]
            if handle.lower() not in self.handles:
                self.handles.add(handle.lower())
                return handle

    def make(self, kind: str, follow_day: dt.date) -> Person:
        rng = self.rng
        french = rng.random() < 0.45
        first = rng.choice(_FIRST_FR if french else _FIRST_EN)
        last = rng.choice(_LAST_FR if french else _LAST_EN)
        outlet = rng.choice(_OUTLETS_FR if french else _OUTLETS_EN)
        location = rng.choice(_LOCATIONS_FR if french else _LOCATIONS_EN)
        name = f"{first} {last}"
        default_avatar = False
        verified = rng.random() < 0.04
        # Defaults: an ordinary active account created years ago.
        created = self._moment(follow_day - dt.timedelta(days=rng.randrange(400, 5500)))
        last_post: dt.datetime | None = self._moment(follow_day - dt.timedelta(days=rng.randrange(0, 20)))
        followers = int(rng.lognormvariate(5.8, 1.1))
        following = int(rng.lognormvariate(5.9, 0.8))
        posts = int(rng.lognormvariate(7.0, 1.3))
        style = "normal"
        if kind == "topic":
            bio = rng.choice(_TOPIC_BIOS_FR if french else _TOPIC_BIOS_EN).format(outlet=outlet)
        elif kind == "offtopic":
            bio = rng.choice(_OFFTOPIC_BIOS_FR if french else _OFFTOPIC_BIOS_EN)
        elif kind == "egg":
            # The classic egg: default avatar, no bio, no location, few posts.
            style, bio, location, default_avatar, verified = "egg", "", "", True, False
            name = first
            created = self._moment(follow_day - dt.timedelta(days=rng.randrange(5, 900)))
            followers, following, posts = rng.randrange(0, 12), rng.randrange(20, 400), rng.randrange(0, 15)
            last_post = None if posts == 0 else self._moment(created.date() + dt.timedelta(days=rng.randrange(0, 4)))
        elif kind == "spam":
            style, bio, verified = "spam", rng.choice(_SPAM_BIOS), rng.random() < 0.3
            name = rng.choice((f"{first} 🔥", f"{first} Promo", f"{first}{rng.randrange(10, 99)}"))
            created = self._moment(follow_day - dt.timedelta(days=rng.randrange(3, 200)))
            if rng.random() < 0.5:
                # Follows en masse, never posts.
                followers, following, posts, last_post = rng.randrange(0, 40), rng.randrange(700, 4800), 0, None
            else:
                # Posts en masse to nobody.
                followers, following, posts = 0, rng.randrange(50, 900), rng.randrange(500, 9000)
                last_post = self._moment(follow_day - dt.timedelta(days=rng.randrange(0, 3)))
            default_avatar = rng.random() < 0.4
        elif kind == "mass":
            # Follows thousands and is followed back by many: "follow for follow" accounts.
            bio = rng.choice(_MASS_BIOS)
            following = rng.randrange(4800, 7500)
            followers = int(following * rng.uniform(0.7, 1.3))
            posts = rng.randrange(2000, 40000)
        elif kind == "inactive":
            bio = (rng.choice(_TOPIC_BIOS_FR if french else _TOPIC_BIOS_EN).format(outlet=outlet) if rng.random() < 0.5
                   else rng.choice(_OFFTOPIC_BIOS_FR if french else _OFFTOPIC_BIOS_EN))
            created = self._moment(follow_day - dt.timedelta(days=rng.randrange(2000, 5500)))
            last_post = self._moment(self.end - dt.timedelta(days=rng.randrange(500, 2400)))
            posts = int(rng.lognormvariate(5.0, 1.2))
        else:  # new: an account opened shortly before it followed
            bio = rng.choice(_TOPIC_BIOS_FR if french else _TOPIC_BIOS_EN).format(outlet=outlet) if rng.random() < 0.6 else ""
            created = self._moment(follow_day - dt.timedelta(days=rng.randrange(0, 30)))
            followers, following, posts = rng.randrange(0, 60), rng.randrange(10, 250), rng.randrange(0, 80)
            last_post = None if posts == 0 else self._moment(follow_day - dt.timedelta(days=rng.randrange(0, 3)))
            default_avatar = rng.random() < 0.5
        if created.date() < FIRST_ACCOUNT_DAY:
            # Nobody opened an account before the platform existed.
            created = self._moment(FIRST_ACCOUNT_DAY + dt.timedelta(days=self.rng.randrange(0, 900)))
        if last_post is not None and last_post < created:
            last_post = created + dt.timedelta(days=30)
        if last_post is not None and last_post.date() > self.end:
            last_post = self._moment(self.end)
        handle = self._handle(first, last, style)
        platform_id = self._id(created)
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="").writerow(
            [
                handle,
                platform_id,
                name,
                bio,
                location,
                followers,
                following,
                posts,
                _iso(created),
                "" if last_post is None else _iso(last_post),
                "true" if default_avatar else "false",
                "true" if verified else "false",
            ]
        )
        return Person(platform_id, handle, kind, buffer.getvalue())


_NEW_KINDS = (("topic", 42), ("offtopic", 19), ("egg", 9), ("spam", 10), ("mass", 6), ("inactive", 5), ("new", 9))
_OLD_KINDS = (("topic", 45), ("offtopic", 20), ("egg", 7), ("spam", 5), ("mass", 6), ("inactive", 17))


def _kind(rng: random.Random, table: Sequence[tuple[str, int]]) -> str:
    return rng.choices([k for k, _ in table], weights=[w for _, w in table])[0]


def _post_text(rng: random.Random) -> str:
    french = rng.random() < 0.4
    template = rng.choice(_POST_TEXTS_FR if french else _POST_TEXTS_EN)
    link = "https://t.co/" + "".join(rng.choice("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") for _ in range(10))
    text = template.format(
        topic=rng.choice(_TOPICS_FR if french else _TOPICS_EN),
        year=rng.randrange(2000, 2021),
        n=rng.randrange(3, 60),
        link=link,
    )
    if rng.random() < 0.08:
        # A long thread opener: X cuts the text at about 280 characters, without an ellipsis.
        text = (text + " " + rng.choice(_TOPIC_BIOS_EN).format(outlet="us") + " ") * 4
        text = text[:280].rstrip()
    # The templates hold their entities already; escape the rest like X does (&, <, >).
    return html.escape(html.unescape(text), quote=False)


def simulate(*, end: dt.date = DEMO_END, months: int = DEMO_MONTHS, seed: int = DEMO_SEED, scale: float = 1.0) -> Story:
    """Run the follow/unfollow event stream that every demo file is written from."""
    if months < 4:
        raise ValueError("the demo needs at least 4 months to tell its story (quiet period, plateau, purge)")
    if scale <= 0:
        raise ValueError("scale must be positive")
    rng = random.Random(seed)
    start = _add_months(end, -months) + dt.timedelta(days=1)
    n_days = (end - start).days + 1
    quiet_start = start + dt.timedelta(days=int(n_days * 0.36))
    quiet = (quiet_start, quiet_start + dt.timedelta(days=QUIET_DAYS - 1))
    plateau_days = min(PLATEAU_DAYS, max(28, n_days // 7))
    plateau_start = start + dt.timedelta(days=int(n_days * PLATEAU_AT))
    plateau = (plateau_start, plateau_start + dt.timedelta(days=plateau_days - 1))
    purge_day = start + dt.timedelta(days=int(n_days * PURGE_AT))
    if not (quiet[1] < plateau[0] and plateau[1] < purge_day):
        raise ValueError(f"{months} months are too few for the quiet period, the plateau and the purge to stay apart")
    story = Story(start, end, quiet, plateau, purge_day)
    days = story.days

    def in_quiet(day: dt.date) -> bool:
        return quiet[0] <= day <= quiet[1]

    def in_plateau(day: dt.date) -> bool:
        return plateau[0] <= day <= plateau[1]

    # Posts first: their popularity is what the follows react to.
    posts_by_day: dict[dt.date, list[Post]] = {}
    for day in days:
        if in_quiet(day):
            continue
        weekend = day.weekday() >= 5
        count = rng.choices((0, 1, 2, 3, 4), weights=WEEKEND_POSTS if weekend else WEEKDAY_POSTS)[0]
        moments = sorted(dt.datetime.combine(day, dt.time(7)) + dt.timedelta(seconds=rng.randrange(15 * 3600)) for _ in range(count))
        for moment in moments:
            # Heavy-tailed popularity: most posts do little, a few take off.
            post = Post(day, str(_snowflake(rng, moment)), _post_text(rng), rng.lognormvariate(-VIRALITY_SIGMA**2 / 2, VIRALITY_SIGMA))
            posts_by_day.setdefault(day, []).append(post)
            story.posts.append(post)
    # Follows come mostly the day after a post (the time it takes to travel), some the same day.
    pull = {day: sum(p.virality for p in posts_by_day.get(day - dt.timedelta(days=1), ()))
            + SAME_DAY_PULL * sum(p.virality for p in posts_by_day.get(day, ())) for day in days}
    active = [v for d, v in pull.items() if not in_quiet(d)]
    mean_pull = sum(active) / len(active) if active else 1.0

    # The net gain an ordinary day needs so that the whole period lands near the target.
    start_size = max(5, round(START_FOLLOWERS * scale))
    target = max(start_size + 20, round(END_FOLLOWERS * scale))
    purge_loss = max(MIN_PURGE_LOSS, round(PURGE_LOSS * scale))
    def pace(day: dt.date) -> float:
        """How fast an ordinary day grows, relative to the first months: the plateau sits
        between two strong phases (a good season before it, the growth that resumes after
        it), which is what makes it a plateau rather than a slow patch."""
        if in_quiet(day) or in_plateau(day):
            return 0.0
        return BOOST if plateau[0] - dt.timedelta(days=BOOST_DAYS) <= day else 1.0

    ordinary = sum(pace(d) for d in days[1:])
    quiet_loss = QUIET_DAYS * BASE_UNFOLLOW_RATE * (start_size + target) / 2 * (QUIET_UNFOLLOW_FACTOR - 0.2)
    per_day = (target - start_size + purge_loss + quiet_loss) / ordinary

    churn_cap = max(3, round(CHURN_CAP * scale))
    people = _People(rng, end)
    members: list[int] = []  # indices into story.people, in follow order
    position: dict[int, int] = {}  # person index -> index in members, for O(1) removal
    leavers_on: dict[dt.date, list[int]] = {}  # churners' scheduled unfollows
    former: list[int] = []  # people who unfollowed, some of whom come back

    def add(person_index: int) -> None:
        position[person_index] = len(members)
        members.append(person_index)

    for _person in range(start_size):
        story.people.append(people.make(_kind(rng, _OLD_KINDS), start - dt.timedelta(days=rng.randrange(1, 2000))))
        add(len(story.people) - 1)

    for index, day in enumerate(days):
        size = len(position)
        gained: list[int] = []
        lost: set[int] = set()
        if index > 0:
            # Losses: the background drift, the churners due today, and the purge.
            for person_index in leavers_on.pop(day, []):
                if person_index in position:
                    lost.add(person_index)
            # An account that stops posting loses followers faster than it gains them.
            rate = BASE_UNFOLLOW_RATE * (QUIET_UNFOLLOW_FACTOR if in_quiet(day) else 1.0)
            drift = _poisson(rng, rate * size)
            current = [m for m in members if m in position and m not in lost]
            for person_index in rng.sample(current, min(drift, len(current))):
                lost.add(person_index)
            if day == purge_day:
                spam = [m for m in current if story.people[m].kind == "spam" and m not in lost]
                eggs = [m for m in current if story.people[m].kind == "egg" and m not in lost]
                victims = spam[: purge_loss]
                if len(victims) < purge_loss:
                    victims += eggs[: purge_loss - len(victims)]
                lost.update(victims)
            # Gains: what an ordinary day needs, scaled by yesterday's posts.
            expected_loss = BASE_UNFOLLOW_RATE * size
            wanted_net = per_day * pace(day)
            if in_quiet(day):
                mean_gain = 0.2 * expected_loss
            else:
                mean_gain = (wanted_net + expected_loss) / (1 - CHURNER_SHARE) * (1 - PULL_WEIGHT + PULL_WEIGHT * pull[day] / mean_pull)
            for _ in range(_poisson(rng, mean_gain)):
                churner = rng.random() < CHURNER_SHARE
                if former and rng.random() < RETURN_SHARE:
                    # Someone who had unfollowed comes back (a second spell in the lists).
                    person_index = former.pop(rng.randrange(len(former)))
                else:
                    kind = "mass" if churner and rng.random() < 0.5 else _kind(rng, _NEW_KINDS)
                    story.people.append(people.make(kind, day))
                    person_index = len(story.people) - 1
                gained.append(person_index)
                if churner:
                    # Gains taken back soon after: the steps of the daily curve.
                    delay = 1 if rng.random() < NEXT_DAY_SHARE else rng.randrange(2, 7)
                    # After a viral day they trickle out over the week rather than all at
                    # once: only the purge is a one-day mass loss.
                    while len(leavers_on.get(day + dt.timedelta(days=delay), ())) >= churn_cap and delay < 6:
                        delay += 1
                    leavers_on.setdefault(day + dt.timedelta(days=delay), []).append(person_index)
        # Swap-remove would scramble the follow order the lists are written in: compact once a
        # day instead. Sorted, so the leavers' order does not depend on set iteration.
        for person_index in sorted(lost):
            position.pop(person_index)
            former.append(person_index)
        if lost:
            members[:] = [m for m in members if m in position]
            position.clear()
            position.update({m: i for i, m in enumerate(members)})
        for person_index in gained:
            add(person_index)
        story.gains[day] = len(gained)
        story.losses[day] = len(lost)
        story.sizes[day] = len(members)
        story.lists[day] = members[::-1]
    _score_posts(rng, story, posts_by_day)
    return story


def _score_posts(rng: random.Random, story: Story, posts_by_day: dict[dt.date, list[Post]]) -> None:
    """Post metrics from each post's popularity and the audience size on its day."""
    for day, posts in posts_by_day.items():
        size = story.sizes[day]
        next_gain = story.gains.get(day + dt.timedelta(days=1), 0)
        # Follows credited to posts are a share of the day's and the next day's gains.
        pool = int(0.3 * story.gains[day] + 0.45 * next_gain)
        weights = [p.virality for p in posts]
        total = sum(weights)
        shares = [pool * w / total for w in weights]
        credited = [int(s) for s in shares]
        for i in sorted(range(len(posts)), key=lambda i: shares[i] - credited[i], reverse=True)[: pool - sum(credited)]:
            credited[i] += 1
        for post, follows in zip(posts, credited, strict=True):
            impressions = max(3, int(size * 0.9 * post.virality * rng.uniform(0.8, 1.25)) + rng.randrange(0, 40))
            post.impressions = impressions
            post.likes = int(impressions * rng.uniform(0.008, 0.025))
            post.replies = int(impressions * rng.uniform(0.0005, 0.003))
            post.reposts = int(impressions * rng.uniform(0.001, 0.005))
            post.bookmarks = int(impressions * rng.uniform(0.001, 0.006))
            post.shares = int(impressions * rng.uniform(0.0, 0.001))
            post.profile_visits = int(impressions * rng.uniform(0.004, 0.012)) + follows
            post.detail_expands = int(impressions * rng.uniform(0.01, 0.03))
            post.url_clicks = int(impressions * rng.uniform(0.002, 0.01)) if "https://t.co/" in post.text else 0
            post.hashtag_clicks = int(impressions * 0.0005) if "#" in post.text else 0
            post.permalink_clicks = int(impressions * rng.uniform(0.0, 0.002))
            post.new_follows = follows
            # Roughly the sum of the interactions, never exactly (as in real exports).
            exact = (
                post.likes + post.replies + post.reposts + post.profile_visits + post.detail_expands
                + post.url_clicks + post.hashtag_clicks + post.permalink_clicks
            )
            post.engagements = max(0, exact + rng.randrange(-3, 6))


# --- Writing the files ------------------------------------------------------------------------


def _x_date(day: dt.date) -> str:
    return f"{_DAY_NAMES[day.weekday()]}, {_MONTH_NAMES[day.month - 1]} {day.day}, {day.year}"


def _overview_rows(rng: random.Random, story: Story) -> dict[dt.date, list[int]]:
    """The overview's metric columns per day (after `Date`)."""
    by_day: dict[dt.date, list[Post]] = {}
    for post in story.posts:
        by_day.setdefault(post.day, []).append(post)
    rows: dict[dt.date, list[int]] = {}
    for day in story.days:
        # A post's reach spreads over three days; replies and old posts add a floor.
        spread = [(0, 0.7), (1, 0.2), (2, 0.1)]
        today = [(p, share) for offset, share in spread for p in by_day.get(day - dt.timedelta(days=offset), ())]
        floor = int(story.sizes[day] * rng.uniform(0.05, 0.15))
        impressions = floor + int(sum(p.impressions * s for p, s in today))
        likes = int(floor * 0.01) + int(sum(p.likes * s for p, s in today))
        engagements = int(floor * 0.03) + int(sum(p.engagements * s for p, s in today))
        bookmarks = int(sum(p.bookmarks * s for p, s in today))
        shares = int(sum(p.shares * s for p, s in today))
        replies = int(sum(p.replies * s for p, s in today)) + rng.randrange(0, 3)
        reposts = int(sum(p.reposts * s for p, s in today))
        visits = int(floor * 0.02) + int(sum(p.profile_visits * s for p, s in today)) + story.gains[day]
        created = len(by_day.get(day, ()))
        media = 0 if rng.random() < 0.85 else rng.randrange(1, 60)
        rows[day] = [
            impressions, likes, engagements, bookmarks, shares, story.gains[day], story.losses[day],
            replies, reposts, visits, created, 0, media,
        ]
    return rows


def _overview_text(rows: dict[dt.date, list[int]], first: dt.date, last: dt.date) -> str:
    lines = [OVERVIEW_HEADER]
    day = last
    while day >= first:  # newest day first, as X writes it
        lines.append(f'"{_x_date(day)}",' + ",".join(str(v) for v in rows[day]))
        day -= dt.timedelta(days=1)
    return "\n".join(lines)  # no trailing newline


def _content_text(rng: random.Random, posts: list[Post], *, newest_first: bool, ghost: bool) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    ordered = sorted(posts, key=lambda p: int(p.post_id), reverse=True)
    if not newest_first:
        rng.shuffle(ordered)  # the 90-day export seen in the wild was unsorted
    rows: list[list[object]] = [
        [
            p.post_id, _x_date(p.day), p.text, f"https://x.com/{DEMO_HANDLE}/status/{p.post_id}",
            p.impressions, p.likes, p.engagements, p.bookmarks, p.shares, p.new_follows, p.replies,
            p.reposts, p.profile_visits, p.detail_expands, p.url_clicks, p.hashtag_clicks,
            p.permalink_clicks,
        ]
        for p in ordered
    ]
    if ghost:
        # Real exports carry a row for a post X could not resolve; importers must skip it.
        rows.insert(rng.randrange(len(rows) + 1), ["", "", "", f"https://x.com/{DEMO_HANDLE}/status/undefined"] + [0] * 13)
    writer.writerows(rows)
    return CONTENT_HEADER + "\n" + buffer.getvalue().rstrip("\n")


def _write(path: Path, text: str) -> Path:
    path.write_bytes(text.encode("utf-8"))  # bytes, so no platform newline translation
    return path


def write_demo_files(
    folder: Path,
    *,
    end: dt.date = DEMO_END,
    months: int = DEMO_MONTHS,
    seed: int = DEMO_SEED,
    scale: float = 1.0,
    parts: str = "all",
    events: bool = False,
) -> list[Path]:
    """Write the demo account's export files into `folder`; return their paths, sorted.

    `parts`: "all", "exports" (the overview, content and follower-count files: what the first
    charts draw), "lists" (the daily follower lists, most of the writing) or "events" (two
    meetups' attendee lists, for the Meetups page's importer); each part's files are the same
    bytes as in "all". `events`: "all" holds the attendee lists too (the account's exports and
    lists are what the Import page takes; the attendee lists go to the Meetups page)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    story = simulate(end=end, months=months, seed=seed, scale=scale)
    written: list[Path] = []
    if parts in ("all", "exports"):
        written += _write_exports(folder, story, seed)
    if parts in ("all", "lists"):
        written += _write_lists(folder, story)
    if parts == "events" or (parts == "all" and events):
        written += _write_events(folder, story, seed)
    return sorted(written)


def _write_exports(folder: Path, story: Story, seed: int) -> list[Path]:
    # A second generator for presentation details, so the story stays the same if they change.
    rng = random.Random(seed * 1_000_003 + 1)
    written: list[Path] = []

    # Overview: X exports a year at most, so an 18-month history takes two overlapping files.
    # The older download keeps the plain name; the browser added " (1)" to the newer one.
    rows = _overview_rows(rng, story)
    newer_first = max(story.start, story.end - dt.timedelta(days=X_OVERVIEW_MAX_DAYS - 1))
    older_last = min(story.start + dt.timedelta(days=X_OVERVIEW_MAX_DAYS - 1), story.end - dt.timedelta(days=30))
    older = {day: list(values) for day, values in rows.items() if day <= older_last}
    # X revises its latest days; the older export caught the last two days before the revision
    # (impressions and likes only: follows are counted at once).
    for back in (0, 1):
        revised = older[older_last - dt.timedelta(days=back)]
        revised[0] = int(revised[0] * 0.93)
        revised[1] = int(revised[1] * 0.95)
    written.append(_write(folder / "account_overview_analytics.csv", _overview_text(older, story.start, older_last)))
    written.append(_write(folder / "account_overview_analytics (1).csv", _overview_text(rows, newer_first, story.end)))

    # Content: one export per quarter or so, in windows of equal length ending on the last day.
    n_windows = math.ceil(len(story.days) / CONTENT_WINDOW_DAYS)
    bounds = [story.start + dt.timedelta(days=len(story.days) * k // n_windows) for k in range(n_windows + 1)]
    for number in range(n_windows):
        window_start, window_end = bounds[number], bounds[number + 1] - dt.timedelta(days=1)
        if number == n_windows - 1:
            window_end = story.end
        posts = [p for p in story.posts if window_start <= p.day <= window_end]
        if posts:
            # The latest export is newest-first and an older one has the ghost row, as seen.
            text = _content_text(rng, posts, newest_first=number == n_windows - 1, ghost=number == n_windows - 2)
            name = f"account_analytics_content_{window_start.isoformat()}_{window_end.isoformat()}.csv"
            written.append(_write(folder / name, text))

    # Follower totals noted on a few profile checks: they make the curve absolute.
    checks = [story.start] + [d for d in story.days[1:] if d.day == 1 and d.month % 4 == 1] + [story.end]
    lines = ["date,followers"] + [f"{d.isoformat()},{story.sizes[d]}" for d in sorted(set(checks))]
    written.append(_write(folder / "follower_counts.csv", "\n".join(lines) + "\n"))
    return written


def _write_lists(folder: Path, story: Story) -> list[Path]:
    written: list[Path] = []
    # Daily follower lists, newest follow first. One file per month with a snapshot_date
    # column (the generic format's way to hold several daily snapshots): a file per day would
    # cost one import transaction each, and a day whose list did not change would be a
    # byte-identical file that the importer skips as already imported.
    header = ",".join(LIST_COLUMNS) + ",snapshot_date"
    groups: dict[object, list[dt.date]] = {}
    for number, day in enumerate(story.lists):
        key = (day.year, day.month) if LIST_FILE_DAYS == 0 else number // LIST_FILE_DAYS
        groups.setdefault(key, []).append(day)
    for group in groups.values():
        lines = [header]
        for day in group:
            suffix = "," + day.isoformat()
            lines.extend(story.people[i].row + suffix for i in story.lists[day])
        dates = group[0].isoformat() if len(group) == 1 else f"{group[0].isoformat()}_{group[-1].isoformat()}"
        written.append(_write(folder / f"followers_{dates}.csv", "\n".join(lines) + "\n"))
    return written


# Two meetups of the account's city, their attendee lists as Meetup exports them (RSVP column,
# a Twitter column some fill in): followers who came, people who followed within the month after,
# and people who never did; a few only by name (matched by hand on the Meetups page), a few who
# said no (not attendees), and some who came to both. The Meetups page opens on them.
DEMO_EVENTS = (
    # (days before the end, name, place, followers who came, who followed after, never followers)
    (150, "Apéro open data", "Lyon", 14, 4, 5),
    (45, "Meetup Data & cartes", "Lyon", 18, 6, 4),
)
EVENT_FOLLOW_DAYS = 30  # "followed within 30 days after", the Meetups page's default
MEETUP_HEADER = ("Name", "User ID", "Title", "Event Host", "RSVP", "Guests", "RSVPed on", "Joined Group on",
                 "URL of Member Profile", "Twitter")
STRANGERS = ("Camille Roux", "Hugo Lefèvre", "Inès Moreau", "Julien Garnier", "Sofia Rossi", "Théo Blanc",
             "Amira Haddad", "Lucas Fontaine", "Nina Schmidt")


def _event_file_name(number: int, day: dt.date) -> str:
    """`meetup_rsvps_<number in DEMO_EVENTS>_<day>.csv`: what `_import_events` reads back."""
    return f"meetup_rsvps_{number}_{day.isoformat()}.csv"


def _is_event_file(path: Path) -> bool:
    return path.name.startswith("meetup_rsvps_")


def _write_events(folder: Path, story: Story, seed: int) -> list[Path]:
    rng = random.Random(seed * 1_000_003 + 3)
    name_at = LIST_COLUMNS.index("name")
    written: list[Path] = []
    came_before: list[int] = []  # who came to the earlier event: some come again
    member = 1000
    for number, (days_before, _name, _place, followers, after, strangers) in enumerate(DEMO_EVENTS):
        day = story.end - dt.timedelta(days=days_before)
        listed = [d for d in story.lists if d < day]
        if not listed:
            continue
        before = set(story.lists[max(listed)])
        later = [d for d in story.lists if day < d <= day + dt.timedelta(days=EVENT_FOLLOW_DAYS)]
        joined = sorted({i for d in later for i in story.lists[d]} - before)
        repeat = [i for i in came_before if i in before][: followers // 3]
        fresh = sorted(before - set(repeat))
        came = repeat + rng.sample(fresh, min(len(fresh), followers - len(repeat)))
        came += rng.sample(joined, min(len(joined), after))
        rows: list[tuple[str, str, dt.date, str]] = []  # name, RSVP, answered on, Twitter
        for position, index in enumerate(came):
            person = story.people[index]
            name = next(csv.reader([person.row]))[name_at]
            # One in four left the Twitter field empty: matched by name, to confirm by hand.
            handle = "" if position % 4 == 3 else f"@{person.handle}"
            rows.append((name, "Yes", day - dt.timedelta(days=rng.randrange(1, 20)), handle))
        rows += [(who, "Yes", day - dt.timedelta(days=rng.randrange(1, 20)), "") for who in rng.sample(STRANGERS, strangers)]
        # Two said no: an RSVP list is not an attendee list.
        rows += [(who, "No", day - dt.timedelta(days=2), "") for who in rng.sample(STRANGERS, 2)]
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(MEETUP_HEADER)
        for who, answer, answered_on, handle in rows:
            member += 1
            writer.writerow([who, f"user {member}", "", "No", answer, 0, answered_on, "2025-01-01",
                             f"https://www.meetup.com/members/{member}/", handle])
        came_before = came
        written.append(_write(folder / _event_file_name(number, day), buffer.getvalue()))
    return written


def _import_events(store: Store, paths: Sequence[Path], account: str) -> None:
    """The demo's attendee lists, each as the Meetups page's form imports one (after the follower
    lists: attendees are matched against them)."""
    from analytics.meetups.store import import_event

    for path in sorted(paths):
        number, day = path.stem.removeprefix("meetup_rsvps_").split("_")
        _days, name, place, *_counts = DEMO_EVENTS[int(number)]
        import_event(store, account, path.read_bytes(), path.name, event_name=name,
                     event_date=dt.date.fromisoformat(day), place=place)


# --- Loading ----------------------------------------------------------------------------------


def store_is_empty(store: Store) -> bool:
    """True when the store holds no account and no import: the dashboard then offers the demo."""
    cursor = store.cursor()
    try:
        row = cursor.execute(
            "SELECT (SELECT count(*) FROM accounts) + (SELECT count(*) FROM imports)"
        ).fetchone()
    finally:
        cursor.close()
    return row is None or int(row[0]) == 0


# The demo account's first export file (imported first) and the days of its daily lists.
UNFINISHED_SQL = """
SELECT
    (SELECT count(*) FROM imports i JOIN accounts a USING (account_id)
     WHERE a.name = $name AND i.file_name = 'account_overview_analytics.csv'),
    (SELECT count(DISTINCT s.snapshot_date) FROM snapshots s JOIN accounts a USING (account_id) WHERE a.name = $name)
"""


def demo_unfinished(store: Store, *, account: str = DEMO_ACCOUNT, **kwargs: object) -> bool:
    """True when `account` holds the demo's exports but fewer daily lists than the demo has: a
    first start stopped while its lists were loading. Starting the demo again finishes it (the
    files already in come back unchanged). `kwargs`: the demo's end and months, as for `simulate`."""
    end = kwargs.get("end", DEMO_END)
    months = kwargs.get("months", DEMO_MONTHS)
    assert isinstance(end, dt.date) and isinstance(months, int)
    days = (end - _add_months(end, -months)).days  # the story's days, one list each
    cursor = store.cursor()
    try:
        row = cursor.execute(UNFINISHED_SQL, {"name": account}).fetchone()
    finally:
        cursor.close()
    return row is not None and int(row[0]) > 0 and int(row[1]) < days


def _is_list_file(path: Path) -> bool:
    return path.name.startswith("followers_")


def list_file_days(path: Path) -> int:
    """How many daily lists a demo list file holds, from its name (`followers_<day>.csv` or
    `followers_<first>_<last>.csv`, every day in between: `_write_lists` names them so)."""
    days = [dt.date.fromisoformat(part) for part in path.stem.removeprefix("followers_").split("_")]
    return (days[-1] - days[0]).days + 1


def _import(store: Store, paths: Sequence[Path], account: str, progress: Callable[[int, int, str], None] | None) -> list[Outcome]:
    sources = [SourceFile(path.name, path.read_bytes()) for path in paths]
    return import_sources(store, sources, ImportOptions(account, platform="x"), progress)


def _raise_on_failures(outcomes: list[Outcome]) -> None:
    failed = [o for o in outcomes if o.status == "failed"]
    if failed:
        lines = "; ".join(o.line() for o in failed[:5])
        more = _(" (and {count} more)").format(count=len(failed) - 5) if len(failed) > 5 else ""
        raise PalierError(_(DEMO_FAILED).format(lines=lines, more=more))


DEMO_FAILED = N_("The demo account could not be imported: {lines}{more}")


def load_demo(
    store: Store,
    *,
    account: str = DEMO_ACCOUNT,
    folder: Path | None = None,
    progress: Callable[[int, int, str], None] | None = None,
    **kwargs: object,
) -> list[Outcome]:
    """Write the demo files (into `folder`, else a temporary folder) and import them like an
    upload. Raises PalierError naming the files that failed. Extra keyword arguments go to
    `write_demo_files` (end, months, seed, scale); `progress` goes to `import_sources`, since
    the full demo takes a while on a first start.

    The account's exports (overview, content, follower counts) are imported before the daily
    follower lists: they are what the first charts draw, and they take a second where the lists
    take most of the time (see `start_demo`, which imports the lists in the background)."""

    def run(target: Path) -> list[Outcome]:
        paths = write_demo_files(target, events=True, **kwargs)  # type: ignore[arg-type]
        events = [path for path in paths if _is_event_file(path)]
        first = [path for path in paths if not _is_list_file(path) and path not in events]
        lists = [path for path in paths if _is_list_file(path)]
        outcomes = _import(store, first, account, progress) + _import(store, lists, account, progress)
        if not any(o.status == "failed" for o in outcomes):
            _import_events(store, events, account)
        return outcomes

    if folder is not None:
        outcomes = run(Path(folder))
    else:
        with tempfile.TemporaryDirectory(prefix="palier-demo-") as temp:
            outcomes = run(Path(temp))
    _raise_on_failures(outcomes)
    return outcomes


# The longest a list file waits for the pages being drawn (pages drawn one after the other without
# a pause must not stop the lists for good).
YIELD_SECONDS = 10.0


@dataclass
class DemoLoading:
    """The demo's daily follower lists being imported in the background (see `start_demo`).

    Read from any thread (every tab of every session shows the same progress): `status()` gives
    (daily lists imported, daily lists in all, the file being imported, done, the error if it
    failed). The lists are counted by day, not by file: a file holds a month of daily lists and is
    one import (one transaction), so the count moves a month at a time, as the data lands."""

    total: int = 0
    done: int = 0
    current: str = ""
    account: str = DEMO_ACCOUNT  # the account the lists go to
    finished: bool = False
    error: str | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _thread: threading.Thread | None = field(default=None, repr=False)
    _released: threading.Event = field(default_factory=threading.Event, repr=False)
    _pages: int = field(default=0, repr=False)

    def release(self) -> None:
        """Let lists held by `start_demo(held=True)` start loading (the first page has drawn)."""
        self._released.set()

    @contextmanager
    def page_drawing(self) -> Iterator[None]:
        """Around a page being drawn (the dashboard's run_page): the next list file waits for it
        (YIELD_SECONDS at most), so a page shares the machine with one file's import at most."""
        with self._lock:
            self._pages += 1
        try:
            yield
        finally:
            with self._lock:
                self._pages -= 1

    def _yield_to_pages(self) -> None:
        deadline = time.monotonic() + YIELD_SECONDS
        while time.monotonic() < deadline:
            with self._lock:
                if self._pages <= 0:
                    return
            time.sleep(0.05)

    def status(self) -> tuple[int, int, str, bool, str | None]:
        with self._lock:
            return self.done, self.total, self.current, self.finished, self.error

    def _update(self, done: int, total: int, name: str) -> None:
        with self._lock:
            self.done, self.total, self.current = done, total, name

    def _finish(self, error: str | None) -> None:
        with self._lock:
            self.finished, self.error = True, error

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the lists; whether they are done."""
        if self._thread is not None:
            self._thread.join(timeout)
        return self.status()[3]


# The longest the lists of `start_demo(held=True)` wait for the first page to draw (a safety net:
# the dashboard releases them when its first page has run, however long that takes).
HOLD_SECONDS = 180.0
# The full demo's account exports, as `write_demo_files(parts="exports")` writes them, kept in the
# checkout: the first start imports them without simulating the account first (seconds of Python
# before the first chart). tests/test_demo.py checks they are the generator's bytes;
# `keep_demo_exports()` writes them again after a change to the generator.
KEPT_EXPORTS = PROJECT_ROOT / "assets" / "demo-exports"


def keep_demo_exports(folder: Path = KEPT_EXPORTS) -> list[Path]:
    """Write the full demo's account exports into `folder` (the kept copy), replacing its files."""
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.csv"):
        old.unlink()
    return write_demo_files(folder, parts="exports")


def _kept_exports(options: dict[str, object]) -> list[Path] | None:
    """The kept exports when `options` ask for the full demo (the defaults) and they are there."""
    defaults = {"end": DEMO_END, "months": DEMO_MONTHS, "seed": DEMO_SEED, "scale": 1.0}
    if any(options.get(key, value) != value for key, value in defaults.items()) or set(options) - set(defaults):
        return None
    kept = sorted(KEPT_EXPORTS.glob("*.csv"))
    return kept or None


def start_demo(store: Store, *, account: str = DEMO_ACCOUNT, held: bool = False, **kwargs: object) -> DemoLoading:
    """Import the demo's account exports now and its daily follower lists in a background thread.

    Returns once the overview, content and follower counts are written and in the store (the
    first charts can be drawn: a few seconds); the lists are written and (most of the demo's time: hundreds of daily
    snapshots) go through the same importers meanwhile, each file its own transaction, so a
    page drawn in between shows what is there. Raises PalierError when the first files fail;
    a list that fails is reported by the returned `DemoLoading`. Extra keyword arguments go to
    `simulate` (end, months, seed, scale); the files are those of `write_demo_files`.

    `held`: the lists wait for `DemoLoading.release()` (at most HOLD_SECONDS) before they start:
    the dashboard releases them once its first page has drawn, since writing and parsing them
    holds Python's interpreter lock for seconds that the first page would otherwise share."""
    temp = tempfile.TemporaryDirectory(prefix="palier-demo-")
    story: Story | None = None
    try:
        exports = _kept_exports(kwargs)
        if exports is None:
            # Simulated once for both parts: the simulation is seconds of Python at full scale.
            story = simulate(**kwargs)  # type: ignore[arg-type]
            seed = int(kwargs.get("seed", DEMO_SEED))  # type: ignore[call-overload]
            exports = sorted(_write_exports(Path(temp.name), story, seed))
        _raise_on_failures(_import(store, exports, account, None))
    except BaseException:
        temp.cleanup()
        raise
    loading = DemoLoading(account=account)
    if not held:
        loading.release()

    def run() -> None:
        error = None
        try:
            loading._released.wait(HOLD_SECONDS)
            # Written here: the lists are most of the demo's writing as well.
            told = story or simulate(**kwargs)  # type: ignore[arg-type]
            lists = sorted(_write_lists(Path(temp.name), told))
            days = [list_file_days(path) for path in lists]
            loading._update(0, sum(days), "")
            outcomes: list[Outcome] = []
            # One import per file, oldest first, each its own transaction as an upload's files are:
            # a month lands (and the count moves) every few seconds, instead of every file being
            # parsed before the first is written.
            for number, path in enumerate(lists):
                loading._yield_to_pages()
                loading._update(sum(days[:number]), sum(days), path.name)
                outcomes += _import(store, [path], account, None)
            _raise_on_failures(outcomes)
            seed = int(kwargs.get("seed", DEMO_SEED))  # type: ignore[call-overload]
            _import_events(store, _write_events(Path(temp.name), told, seed), account)
            # As after an upload: the audience analysis of the lists starts at once, beside the
            # pages, rather than at the first view of Audience (analytics.analysis; imported here,
            # once the lists are in, so that the first start does not load it).
            from analytics.analysis import analyse_account_in_background

            analyse_account_in_background(store, account)
        except Exception as exc:  # noqa: BLE001 (reported to every tab, not raised in a thread nobody joins)
            error = str(exc)
        finally:
            temp.cleanup()
            total = loading.status()[1]
            loading._update(total, total, "")
            loading._finish(error)

    loading._thread = threading.Thread(target=run, name="palier-demo-lists", daemon=True)
    loading._thread.start()
    return loading
