"""Versioned schema migrations, applied in order when a store is opened.

A migration is never edited once released: a change to the schema is a new entry at the end of
`MIGRATIONS`. `_migrations` records which versions a store has. Column meanings, units, time zones
and sources are documented in docs/schema.md (a test keeps it complete).

Data tables have no PRIMARY KEY constraint on purpose: uniqueness of each table's key (declared in
`tables.py`) is enforced by ingest, which keeps deletes and re-inserts of one key in one
transaction cheap and free of index bloat at 20M rows.
"""

from __future__ import annotations

from dataclasses import dataclass

from tikscope.store.rollups import FILL_ALL


@dataclass(frozen=True)
class Migration:
    """One step of the schema, identified by its version number."""

    version: int
    name: str
    sql: str


CORE = """
CREATE TABLE runs (
    run_id INTEGER PRIMARY KEY,
    kind VARCHAR NOT NULL CHECK (kind IN ('simulate', 'import', 'sync')),
    source VARCHAR NOT NULL,
    account_id VARCHAR,
    started_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP NOT NULL,
    fingerprint VARCHAR NOT NULL,
    parameters JSON,
    row_counts JSON NOT NULL,
    rows_written BIGINT NOT NULL,
    rows_deleted BIGINT NOT NULL
);

CREATE TABLE accounts (
    account_id VARCHAR NOT NULL,
    handle VARCHAR NOT NULL,
    display_name VARCHAR,
    account_type VARCHAR NOT NULL CHECK (account_type IN ('business', 'personal')),
    open_id VARCHAR,
    union_id VARCHAR,
    time_zone VARCHAR NOT NULL,
    source VARCHAR NOT NULL,
    bio VARCHAR,
    is_verified BOOLEAN,
    following_count BIGINT,
    total_likes BIGINT,
    videos_count BIGINT,
    run_id INTEGER NOT NULL
);

CREATE TABLE account_daily (
    account_id VARCHAR NOT NULL,
    date DATE NOT NULL,
    video_views BIGINT,
    unique_video_views BIGINT,
    profile_views BIGINT,
    likes BIGINT,
    comments BIGINT,
    shares BIGINT,
    followers_count BIGINT,
    daily_new_followers BIGINT,
    daily_lost_followers BIGINT,
    daily_total_followers BIGINT,
    engaged_audience BIGINT,
    bio_link_clicks BIGINT,
    phone_number_clicks BIGINT,
    email_clicks BIGINT,
    address_clicks BIGINT,
    lead_submissions BIGINT,
    app_download_clicks BIGINT,
    captured_at TIMESTAMP NOT NULL,
    run_id INTEGER NOT NULL
);

CREATE TABLE audience_snapshots (
    account_id VARCHAR NOT NULL,
    snapshot_date DATE NOT NULL,
    dimension VARCHAR NOT NULL CHECK (dimension IN ('gender', 'age', 'country', 'city')),
    value VARCHAR NOT NULL,
    share DOUBLE NOT NULL CHECK (share >= 0 AND share <= 1),
    run_id INTEGER NOT NULL
);

CREATE TABLE follower_activity (
    account_id VARCHAR NOT NULL,
    date DATE NOT NULL,
    hour SMALLINT NOT NULL CHECK (hour BETWEEN 0 AND 23),
    active_followers BIGINT NOT NULL CHECK (active_followers >= 0),
    run_id INTEGER NOT NULL
);

CREATE TABLE posts (
    account_id VARCHAR NOT NULL,
    post_id VARCHAR NOT NULL,
    media_type VARCHAR NOT NULL CHECK (media_type IN ('video', 'image', 'carousel')),
    create_time TIMESTAMP NOT NULL,
    caption VARCHAR,
    hashtags VARCHAR[],
    sound_id VARCHAR,
    duration_seconds DOUBLE CHECK (duration_seconds >= 0),
    is_ad BOOLEAN NOT NULL DEFAULT false,
    is_filtered BOOLEAN NOT NULL DEFAULT false,
    is_deleted BOOLEAN NOT NULL DEFAULT false,
    share_url VARCHAR,
    run_id INTEGER NOT NULL
);

CREATE TABLE post_snapshots (
    account_id VARCHAR NOT NULL,
    post_id VARCHAR NOT NULL,
    captured_at TIMESTAMP NOT NULL,
    views BIGINT,
    reach BIGINT,
    likes BIGINT,
    comments BIGINT,
    shares BIGINT,
    favorites BIGINT,
    total_time_watched_seconds DOUBLE,
    average_time_watched_seconds DOUBLE,
    full_video_watched_rate DOUBLE CHECK (full_video_watched_rate BETWEEN 0 AND 1),
    new_followers BIGINT,
    profile_views BIGINT,
    source_for_you DOUBLE,
    source_follow DOUBLE,
    source_personal_profile DOUBLE,
    source_search DOUBLE,
    source_hashtag DOUBLE,
    source_sound DOUBLE,
    source_direct_message DOUBLE,
    viewers_new DOUBLE,
    viewers_returning DOUBLE,
    viewers_follower DOUBLE,
    viewers_non_follower DOUBLE,
    viewers_female DOUBLE,
    viewers_male DOUBLE,
    viewers_other DOUBLE,
    viewer_countries STRUCT(country VARCHAR, share DOUBLE)[],
    retention STRUCT(second DOUBLE, share DOUBLE)[],
    run_id INTEGER NOT NULL
);

CREATE TABLE comments (
    account_id VARCHAR NOT NULL,
    comment_id VARCHAR NOT NULL,
    post_id VARCHAR NOT NULL,
    parent_comment_id VARCHAR,
    author_id VARCHAR NOT NULL,
    text VARCHAR NOT NULL,
    language VARCHAR,
    likes BIGINT,
    replies BIGINT,
    create_time TIMESTAMP NOT NULL,
    status VARCHAR CHECK (status IN ('public', 'hidden')),
    is_owner BOOLEAN NOT NULL DEFAULT false,
    run_id INTEGER NOT NULL
);
"""

AUDIENCE = """
CREATE TABLE audience_members (
    account_id VARCHAR NOT NULL,
    member_key INTEGER NOT NULL,
    member_id VARCHAR NOT NULL,
    bio VARCHAR,
    age_bucket VARCHAR,
    gender VARCHAR CHECK (gender IN ('female', 'male', 'other')),
    country VARCHAR,
    city VARCHAR,
    language VARCHAR,
    interests VARCHAR[],
    followed_at TIMESTAMP,
    run_id INTEGER NOT NULL
);

CREATE TABLE outside_accounts (
    account_id VARCHAR NOT NULL,
    outside_key INTEGER NOT NULL,
    handle VARCHAR NOT NULL,
    category VARCHAR,
    run_id INTEGER NOT NULL
);

CREATE TABLE follows (
    account_id VARCHAR NOT NULL,
    follower_key INTEGER NOT NULL,
    followee_key INTEGER NOT NULL,
    followee_type VARCHAR NOT NULL CHECK (followee_type IN ('member', 'outside')),
    run_id INTEGER NOT NULL
);
"""

PLANTED = """
CREATE TABLE planted_communities (
    account_id VARCHAR NOT NULL,
    community SMALLINT NOT NULL,
    label VARCHAR NOT NULL,
    size INTEGER NOT NULL,
    keywords VARCHAR[] NOT NULL,
    interests VARCHAR[] NOT NULL,
    top_country VARCHAR NOT NULL,
    top_age_bucket VARCHAR NOT NULL,
    run_id INTEGER NOT NULL
);

CREATE TABLE planted_membership (
    account_id VARCHAR NOT NULL,
    member_key INTEGER NOT NULL,
    community SMALLINT NOT NULL,
    role VARCHAR NOT NULL CHECK (role IN ('regular', 'isolated', 'mass_follower')),
    run_id INTEGER NOT NULL
);

CREATE TABLE planted_facts (
    account_id VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    value VARCHAR NOT NULL,
    run_id INTEGER NOT NULL
);

CREATE TABLE planted_follower_events (
    account_id VARCHAR NOT NULL,
    follower_key BIGINT NOT NULL,
    event_date DATE NOT NULL,
    event VARCHAR NOT NULL CHECK (event IN ('follow', 'unfollow')),
    run_id INTEGER NOT NULL
);

CREATE TABLE planted_comment_sentiment (
    account_id VARCHAR NOT NULL,
    comment_id VARCHAR NOT NULL,
    sentiment VARCHAR NOT NULL CHECK (sentiment IN ('positive', 'neutral', 'negative')),
    run_id INTEGER NOT NULL
);
"""

RESULTS = """
CREATE TABLE audience_results (
    result_id INTEGER NOT NULL,
    account_id VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL,
    mode VARCHAR NOT NULL,
    reason VARCHAR NOT NULL,
    algorithm VARCHAR NOT NULL,
    seed INTEGER NOT NULL,
    modularity DOUBLE,
    parameters JSON NOT NULL
);

CREATE TABLE audience_result_clusters (
    result_id INTEGER NOT NULL,
    cluster SMALLINT NOT NULL,
    name VARCHAR NOT NULL
);

CREATE TABLE audience_result_members (
    result_id INTEGER NOT NULL,
    member_key INTEGER NOT NULL,
    cluster SMALLINT NOT NULL
);
"""

SOURCES = """
ALTER TABLE account_daily ADD COLUMN new_viewers BIGINT;
ALTER TABLE account_daily ADD COLUMN returning_viewers BIGINT;

CREATE TABLE connections (
    connection_id VARCHAR PRIMARY KEY,
    account_id VARCHAR NOT NULL,
    api VARCHAR NOT NULL CHECK (api IN ('business', 'display', 'research')),
    handle VARCHAR NOT NULL,
    open_id VARCHAR,
    scope VARCHAR,
    base_url VARCHAR NOT NULL,
    client_key VARCHAR NOT NULL,
    client_secret BLOB NOT NULL,
    access_token BLOB,
    refresh_token BLOB,
    access_expires_at TIMESTAMP,
    refresh_expires_at TIMESTAMP,
    status VARCHAR NOT NULL CHECK (status IN ('active', 'needs_reauthorization')),
    status_reason VARCHAR,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE following (
    account_id VARCHAR NOT NULL,
    handle VARCHAR NOT NULL,
    followed_at TIMESTAMP,
    run_id INTEGER NOT NULL
);

CREATE TABLE sync_state (
    account_id VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    value JSON NOT NULL,
    run_id INTEGER NOT NULL
);

CREATE TABLE sync_log (
    sync_id INTEGER NOT NULL,
    account_id VARCHAR NOT NULL,
    api VARCHAR NOT NULL,
    started_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP NOT NULL,
    status VARCHAR NOT NULL CHECK (status IN ('ok', 'failed', 'unchanged')),
    requests INTEGER NOT NULL,
    retries INTEGER NOT NULL,
    run_id INTEGER,
    message VARCHAR,
    request_ids JSON NOT NULL
);
"""

ACCESS = """
CREATE TABLE users (
    user_id INTEGER PRIMARY KEY,
    username VARCHAR NOT NULL UNIQUE,
    password_hash VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE workspaces (
    workspace_id INTEGER PRIMARY KEY,
    slug VARCHAR NOT NULL UNIQUE,
    name VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE workspace_members (
    workspace_id INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    role VARCHAR NOT NULL CHECK (role IN ('owner', 'editor', 'viewer')),
    PRIMARY KEY (workspace_id, user_id)
);

CREATE TABLE workspace_accounts (
    workspace_id INTEGER NOT NULL,
    account_id VARCHAR NOT NULL,
    PRIMARY KEY (workspace_id, account_id)
);

CREATE TABLE api_tokens (
    token_id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL,
    name VARCHAR NOT NULL,
    token_hash VARCHAR NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP,
    revoked_at TIMESTAMP
);

CREATE TABLE web_sessions (
    session_hash VARCHAR PRIMARY KEY,
    user_id INTEGER NOT NULL,
    csrf_token VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
"""

ONE_ACCOUNT_PER_HANDLE = """
SELECT error('accounts share a handle: ' || string_agg(problem, '; ' ORDER BY problem)
             || '. Since schema 7 one handle is one account, and tikscope cannot tell which data '
             || 'to keep: open this store with the tikscope that wrote it, or import the '
             || 'account''s files (or simulate it) into a new store with --db')
FROM (
    SELECT '@' || handle || ' (' || string_agg(account_id || ' from ' || source, ', '
                                               ORDER BY account_id) || ')' AS problem
    FROM accounts GROUP BY handle HAVING count(*) > 1
)
HAVING count(*) > 0;

CREATE UNIQUE INDEX accounts_handle ON accounts (handle);
"""
"""A store where two accounts share a handle (files imported for a simulated handle, before
imports joined the account of their handle) is refused with the accounts named, not merged:
their member keys and series would collide."""

POST_DAILY = f"""
CREATE TABLE post_daily (
    account_id VARCHAR NOT NULL,
    post_id VARCHAR NOT NULL,
    day DATE NOT NULL,
    first_captured_at TIMESTAMP NOT NULL,
    counters_as_of TIMESTAMP NOT NULL,
    views BIGINT,
    likes BIGINT,
    comments BIGINT,
    shares BIGINT,
    favorites BIGINT,
    new_followers BIGINT,
    profile_views BIGINT,
    insights_as_of TIMESTAMP,
    reach BIGINT,
    total_time_watched_seconds DOUBLE,
    average_time_watched_seconds DOUBLE,
    full_video_watched_rate DOUBLE,
    source_for_you DOUBLE,
    source_follow DOUBLE,
    source_personal_profile DOUBLE,
    source_search DOUBLE,
    source_hashtag DOUBLE,
    source_sound DOUBLE,
    source_direct_message DOUBLE,
    viewers_new DOUBLE,
    viewers_returning DOUBLE,
    viewers_follower DOUBLE,
    viewers_non_follower DOUBLE,
    last_views_drop_from TIMESTAMP
);

CREATE TABLE post_daily_extent (
    account_id VARCHAR NOT NULL,
    last_day DATE NOT NULL,
    last_captured_at TIMESTAMP NOT NULL
);

{FILL_ALL}
"""

COMMENT_SCORES_VERSION = 10
COMMENT_SENTIMENT = """
ALTER TABLE comments ADD COLUMN sentiment VARCHAR;
ALTER TABLE comments ADD COLUMN sentiment_score DOUBLE;
ALTER TABLE comments ADD COLUMN sentiment_model VARCHAR;
"""
"""Filled by tikscope (store/comment_scores.py) when comments are written, and for the comments
already stored the first time a store is opened after this migration."""

INTRADAY_VERSION = 11
POST_INTRADAY = """
CREATE TABLE post_intraday (
    account_id VARCHAR NOT NULL,
    post_id VARCHAR NOT NULL,
    captured_at TIMESTAMP NOT NULL,
    published_at TIMESTAMP,
    views BIGINT,
    likes BIGINT,
    comments BIGINT,
    shares BIGINT,
    PRIMARY KEY (post_id, captured_at)
);
"""
"""Minute-stamped counters of fresh posts, written by the real-time scheduler (sync/realtime.py);
`post_snapshots` and the daily rollups stay as the daily sync writes them."""

SCHEDULES = """
CREATE TABLE workspace_branding (
    workspace_id INTEGER PRIMARY KEY,
    display_name VARCHAR NOT NULL,
    logo BLOB,
    logo_type VARCHAR CHECK (logo_type IN ('image/png', 'image/jpeg', 'image/svg+xml')),
    primary_colour VARCHAR NOT NULL,
    accent_colour VARCHAR NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE report_schedules (
    schedule_id INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL,
    account_id VARCHAR NOT NULL,
    template VARCHAR NOT NULL,
    cadence VARCHAR NOT NULL CHECK (cadence IN ('weekly', 'monthly')),
    hour INTEGER NOT NULL CHECK (hour BETWEEN 0 AND 23),
    destination VARCHAR NOT NULL CHECK (destination IN ('folder', 'email')),
    folder VARCHAR,
    recipients VARCHAR[],
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE report_deliveries (
    schedule_id INTEGER NOT NULL,
    period_start DATE NOT NULL,
    period_end DATE NOT NULL,
    status VARCHAR NOT NULL CHECK (status IN ('sending', 'sent', 'failed', 'given up')),
    attempts INTEGER NOT NULL,
    last_attempt_at TIMESTAMP NOT NULL,
    next_attempt_at TIMESTAMP,
    delivered_at TIMESTAMP,
    error VARCHAR,
    written_to VARCHAR,
    PRIMARY KEY (schedule_id, period_start)
);

CREATE TABLE mail_settings (
    settings_id INTEGER PRIMARY KEY CHECK (settings_id = 1),
    host VARCHAR NOT NULL,
    port INTEGER NOT NULL,
    security VARCHAR NOT NULL CHECK (security IN ('starttls', 'tls', 'none')),
    username VARCHAR,
    password_sealed BLOB,
    sender VARCHAR NOT NULL,
    ca_file VARCHAR,
    updated_at TIMESTAMP NOT NULL
);
"""
"""White-label scheduled reports (tikscope.delivery): a workspace's name, logo and colours; each
schedule's account, template, cadence and destination; one row per period a schedule delivered
or tried to (its key is what keeps a report from going out twice); the SMTP relay, its password
encrypted with the key file like TikTok tokens."""

OUTSIDE_PUBLIC = """
ALTER TABLE outside_accounts ADD COLUMN verified BOOLEAN;
ALTER TABLE outside_accounts ADD COLUMN follower_count BIGINT;
"""
"""Whether an outside account is a public figure (verified, or followed by many): only those are
named among a cluster's affinities (audience/affinities.py). NULL where the source does not say,
as for an edge-list import: such an account is counted, never named."""

MEMBER_PROFILES = """
CREATE TABLE member_profiles (
    account_id VARCHAR NOT NULL,
    member_key INTEGER NOT NULL,
    sample_rank INTEGER NOT NULL,
    status VARCHAR NOT NULL CHECK (status IN ('sampled', 'profiled', 'gone')),
    source VARCHAR NOT NULL,
    profiled_at TIMESTAMP,
    is_verified BOOLEAN,
    follower_count BIGINT,
    following_count BIGINT,
    videos_read INTEGER,
    following_read BOOLEAN,
    taxonomy_version VARCHAR,
    run_id INTEGER NOT NULL
);
"""
"""Which members a Research API enrichment sampled and profiled (sync/enrich.py)."""

MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "core account analytics tables", CORE),
    Migration(2, "audience members and follow graph", AUDIENCE),
    Migration(3, "simulator ground truth", PLANTED),
    Migration(4, "saved audience clustering results", RESULTS),
    Migration(5, "connections, sync state and sync log", SOURCES),
    Migration(6, "users, workspaces, roles, API tokens and web sessions", ACCESS),
    Migration(7, "one account per handle", ONE_ACCOUNT_PER_HANDLE),
    Migration(8, "daily rollups of post snapshots", POST_DAILY),
    # NOTE: 9 is left to another branch; `migrate` applies every version a store has not recorded,
    # so a 9 that lands later is still applied to stores already at 10.
    Migration(COMMENT_SCORES_VERSION, "language and sentiment of comments", COMMENT_SENTIMENT),
    Migration(INTRADAY_VERSION, "intraday counters of fresh posts", POST_INTRADAY),
    Migration(12, "verified and follower count of outside accounts", OUTSIDE_PUBLIC),
    Migration(13, "profiles of a sample of the audience", MEMBER_PROFILES),
    Migration(14, "white-label report schedules, deliveries and mail settings", SCHEDULES),
)

LATEST_VERSION = MIGRATIONS[-1].version
