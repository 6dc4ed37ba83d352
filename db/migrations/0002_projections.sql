-- 0002: every table the projections write (projections/), and the aggregates dashboards read.
-- Each projection owns its tables: `ipmi-monitor projections rebuild <name>` empties exactly
-- those and replays their topics. Tables that several sources describe (a server's config,
-- status and inventory) are split by source and joined by the server_overview view.

-- ---------------------------------------------------------------------------------------------
-- readings (projection "readings", topic ipmi.readings.v1)
-- ---------------------------------------------------------------------------------------------

-- A reading's event id is a hash of (server, poll, sensor) and every reading of one poll shares
-- the poll's time; one poll per BMC runs at a time, so (server, sensor, time) names exactly one
-- event. That key is the dedupe key (ON CONFLICT DO NOTHING), without storing a 40-character
-- id on every one of the table's rows. It replaces 0001's plain index on the same columns.
DROP INDEX readings_server_sensor_time_idx;
CREATE UNIQUE INDEX readings_key ON readings (server_id, sensor_id, time DESC);

-- The per-minute aggregate of 0001 is re-created with the columns a correct hourly roll-up
-- needs: an average of averages is wrong when minutes hold different numbers of values, so
-- each minute keeps its sum and its count of non-null values. Derived data: nothing is lost,
-- the refresh policy (or the job runner) fills it again.
DROP MATERIALIZED VIEW readings_1m;

CREATE MATERIALIZED VIEW readings_1m
WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
SELECT time_bucket(INTERVAL '1 minute', time) AS bucket,
       server_id,
       sensor_id,
       min(value)        AS min_value,
       avg(value)        AS avg_value,
       max(value)        AS max_value,
       sum(value)        AS sum_value,
       count(value)      AS value_samples,
       count(*)          AS samples,
       last(value, time) AS last_value,
       last(state, time) AS last_state
  FROM readings
 GROUP BY bucket, server_id, sensor_id
WITH NO DATA;

-- Same window as 0001 (see there: inside the raw retention, batches of a day). The projections
-- service moves start_offset when the configured raw retention is shorter than 7 days.
SELECT add_continuous_aggregate_policy('readings_1m',
  start_offset      => INTERVAL '6 days',
  end_offset        => INTERVAL '1 minute',
  schedule_interval => INTERVAL '1 minute',
  buckets_per_batch => 1440);

-- Per-hour aggregate, built on the per-minute one (a hierarchical continuous aggregate): a
-- refresh reads 60 times fewer rows than the raw table, and it outlives the raw readings.
CREATE MATERIALIZED VIEW readings_1h
WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
SELECT time_bucket(INTERVAL '1 hour', bucket)                     AS bucket,
       server_id,
       sensor_id,
       min(min_value)                                             AS min_value,
       sum(sum_value) / NULLIF(sum(value_samples), 0)             AS avg_value,
       max(max_value)                                             AS max_value,
       sum(sum_value)                                             AS sum_value,
       sum(value_samples)::bigint                                 AS value_samples,
       sum(samples)::bigint                                       AS samples,
       last(last_value, bucket)                                   AS last_value,
       last(last_state, bucket)                                   AS last_state
  FROM readings_1m
 GROUP BY 1, server_id, sensor_id
WITH NO DATA;

SELECT add_continuous_aggregate_policy('readings_1h',
  start_offset      => INTERVAL '6 days',
  end_offset        => INTERVAL '1 hour',
  schedule_interval => INTERVAL '10 minutes',
  buckets_per_batch => 24);

-- Aggregates outlive the raw rows: minutes for 30 days, hours for 400 (a year and a month,
-- for year-over-year graphs). Both are configurable like the raw retention.
SELECT add_retention_policy('readings_1m', drop_after => INTERVAL '30 days');
SELECT add_retention_policy('readings_1h', drop_after => INTERVAL '400 days');

-- Latest reading of every sensor, with what describes it (name, type, unit, thresholds): the
-- "current sensors" page and every threshold line on a graph. A late reading never overwrites
-- a newer one (the upsert compares observed times).
CREATE TABLE sensors (
  server_id          text             NOT NULL,
  sensor_id          text             NOT NULL,
  name               text             NOT NULL,
  sensor_number      integer,
  entity             text,
  sensor_type        text             NOT NULL,
  reading_kind       text             NOT NULL,
  unit               text,
  value              double precision,
  state              text             NOT NULL,
  crossed_threshold  text,
  lnr                double precision,
  lcr                double precision,
  lnc                double precision,
  unc                double precision,
  ucr                double precision,
  unr                double precision,
  discrete_states    jsonb            NOT NULL DEFAULT '[]',
  time               timestamptz      NOT NULL,
  poll_id            text             NOT NULL,
  event_id           text             NOT NULL,
  PRIMARY KEY (server_id, sensor_id)
);

-- ---------------------------------------------------------------------------------------------
-- SEL (projection "sel", topic ipmi.sel.v1)
-- ---------------------------------------------------------------------------------------------

-- One row per SEL entry, keyed by its event id (the collector re-publishes entries when it
-- re-reads a SEL: the upsert makes that harmless). A plain table: SEL volume is tiny next to
-- readings, and the SEL is the hardware's history, kept as long as its topic (a year).
CREATE TABLE sel_events (
  event_id                text        PRIMARY KEY,
  server_id               text        NOT NULL,
  time                    timestamptz NOT NULL,
  observed_at             timestamptz NOT NULL,
  poll_id                 text,
  record_id               integer     NOT NULL,
  record_type_code        integer,
  timestamp_basis         text        NOT NULL,
  bmc_timestamp           timestamptz,
  bmc_timestamp_raw       text,
  clock_offset_ms         bigint,
  generator_id            integer,
  sensor_type             text        NOT NULL,
  sensor_type_code        integer,
  sensor_number           integer,
  sensor_name             text,
  sensor_id               text,
  event_reading_type_code integer,
  event_direction         text        NOT NULL,
  event_offset            integer,
  event_data              text,
  description             text,
  severity                text,
  raw_line                text,
  raw_record_hex          text
);
CREATE INDEX sel_events_server_time_idx ON sel_events (server_id, time DESC);
CREATE INDEX sel_events_time_idx ON sel_events (time DESC);

-- The life of each SEL: cleared (how it was noticed, by whom) and overflow.
CREATE TABLE sel_log_events (
  event_id  text        PRIMARY KEY,
  server_id text        NOT NULL,
  type      text        NOT NULL,
  time      timestamptz NOT NULL,
  detail    jsonb       NOT NULL
);
CREATE INDEX sel_log_events_server_time_idx ON sel_log_events (server_id, time DESC);

-- ---------------------------------------------------------------------------------------------
-- Polls (projection "polls", topic ipmi.polls.v1)
-- ---------------------------------------------------------------------------------------------

-- One row per poll: operational history (durations, failures, error codes). A hypertable with
-- the raw readings' retention, since it is as voluminous as a server's polls.
CREATE TABLE poll_outcomes (
  time          timestamptz NOT NULL,
  event_id      text        NOT NULL,
  server_id     text        NOT NULL,
  poll_id       text        NOT NULL,
  kind          text        NOT NULL,
  outcome       text        NOT NULL,
  started_at    timestamptz NOT NULL,
  duration_ms   integer     NOT NULL,
  items_read    integer     NOT NULL,
  items_failed  integer     NOT NULL,
  error_code    text,
  error_message text,
  driver        text        NOT NULL
);
SELECT create_hypertable('poll_outcomes', by_range('time', INTERVAL '1 day'));
-- A unique index on a hypertable must contain its time column; the event id alone is unique.
CREATE UNIQUE INDEX poll_outcomes_key ON poll_outcomes (event_id, time);
CREATE INDEX poll_outcomes_server_time_idx ON poll_outcomes (server_id, time DESC);
SELECT add_retention_policy('poll_outcomes', drop_after => INTERVAL '7 days');

-- Current reachability and chassis power of each server (latest event of each kind wins).
CREATE TABLE server_status (
  server_id              text PRIMARY KEY,
  reachable              boolean,
  reachability_reason    text,
  reachability_message   text,
  consecutive_failures   integer,
  last_success_at        timestamptz,
  reachability_since     timestamptz,
  reachability_event_id  text,
  power_state            text,
  power_fault            boolean,
  power_overload         boolean,
  cooling_fault          boolean,
  drive_fault            boolean,
  chassis_intrusion      boolean,
  dcmi_watts             double precision,
  dcmi_min_watts         double precision,
  dcmi_max_watts         double precision,
  dcmi_avg_watts         double precision,
  power_observed_at      timestamptz,
  power_event_id         text,
  last_poll_at           timestamptz,
  last_poll_outcome      text
);

-- ---------------------------------------------------------------------------------------------
-- Inventory (projection "inventory", topic ipmi.inventory.v1)
-- ---------------------------------------------------------------------------------------------

CREATE TABLE server_inventory (
  server_id            text        PRIMARY KEY,
  time                 timestamptz NOT NULL,
  event_id             text        NOT NULL,
  content_hash         text        NOT NULL,
  bmc_firmware_version text,
  ipmi_version         text,
  bmc_manufacturer_id  integer,
  bmc_product_id       integer,
  bmc_mac_address      text,
  manufacturer         text,
  product_name         text,
  product_part_number  text,
  product_serial       text,
  board_serial         text,
  chassis_serial       text,
  system_guid          text,
  fru                  jsonb       NOT NULL DEFAULT '[]'
);

-- ---------------------------------------------------------------------------------------------
-- Servers (projection "servers", topic ipmi.servers.v1)
-- ---------------------------------------------------------------------------------------------

-- The configured fleet: a ServerRemoved deletes the row. (The topic is compacted: a removed
-- server's configuration may be gone from the log, so only deleting keeps a rebuild identical
-- to the incremental table.) Never a credential: the topic has none.
CREATE TABLE servers (
  server_id          text        PRIMARY KEY,
  revision           integer     NOT NULL,
  name               text        NOT NULL,
  host               text        NOT NULL,
  port               integer     NOT NULL,
  driver             text        NOT NULL,
  cipher_suite       integer,
  privilege_level    text        NOT NULL,
  workaround_flags   jsonb       NOT NULL DEFAULT '[]',
  tags               jsonb       NOT NULL DEFAULT '[]',
  model              text,
  sensors_interval_ms   bigint,
  sel_interval_ms       bigint,
  power_interval_ms     bigint,
  inventory_interval_ms bigint,
  enabled            boolean     NOT NULL,
  credential_version integer     NOT NULL,
  configured_at      timestamptz NOT NULL,
  event_id           text        NOT NULL
);

-- ---------------------------------------------------------------------------------------------
-- Alerts (projection "alerts", topic ipmi.alerts.v1)
-- ---------------------------------------------------------------------------------------------

-- Current state of every alert: every event carries the whole alert, and the highest revision
-- wins (a replayed older event never rolls an alert back).
CREATE TABLE alerts (
  alert_id           text        PRIMARY KEY,
  server_id          text        NOT NULL,
  fingerprint        text        NOT NULL,
  revision           integer     NOT NULL,
  status             text        NOT NULL,
  condition          text        NOT NULL,
  summary            text        NOT NULL,
  severity           text        NOT NULL,
  component_type     text        NOT NULL,
  component          text        NOT NULL,
  sensor_id          text,
  sensor_type        text,
  value              double precision,
  threshold          double precision,
  unit               text,
  occurrences        integer     NOT NULL,
  first_seen_at      timestamptz NOT NULL,
  last_seen_at       timestamptz NOT NULL,
  raised_at          timestamptz NOT NULL,
  updated_at         timestamptz NOT NULL,
  resolved_at        timestamptz,
  resolution_reason  text,
  resolved_by        text,
  silenced_by        text,
  evidence_event_ids jsonb       NOT NULL DEFAULT '[]',
  event_id           text        NOT NULL
);
CREATE INDEX alerts_server_idx ON alerts (server_id, status);
CREATE INDEX alerts_status_updated_idx ON alerts (status, updated_at DESC);

-- Every alert event, for the timeline of an alert and "what happened last night".
CREATE TABLE alert_history (
  event_id          text        PRIMARY KEY,
  alert_id          text        NOT NULL,
  server_id         text        NOT NULL,
  type              text        NOT NULL,
  revision          integer     NOT NULL,
  time              timestamptz NOT NULL,
  severity          text        NOT NULL,
  previous_severity text,
  changes           jsonb       NOT NULL DEFAULT '[]',
  summary           text        NOT NULL,
  value             double precision,
  resolution_reason text,
  silenced_by       text
);
CREATE INDEX alert_history_alert_idx ON alert_history (alert_id, revision);
CREATE INDEX alert_history_server_time_idx ON alert_history (server_id, time DESC);
CREATE INDEX alert_history_time_idx ON alert_history (time DESC);

-- ---------------------------------------------------------------------------------------------
-- Insights (projection "insights", topic ipmi.insights.v1)
-- ---------------------------------------------------------------------------------------------

CREATE TABLE insights (
  insight_id     text        PRIMARY KEY,
  server_id      text        NOT NULL,
  fingerprint    text        NOT NULL,
  revision       integer     NOT NULL,
  status         text        NOT NULL,
  kind           text        NOT NULL,
  priority       text        NOT NULL,
  detector       text        NOT NULL,
  title          text        NOT NULL,
  summary        text        NOT NULL,
  component_type text        NOT NULL,
  component      text        NOT NULL,
  sensor_id      text,
  confidence     double precision,
  due_at         timestamptz,
  evidence       jsonb       NOT NULL DEFAULT '[]',
  metrics        jsonb       NOT NULL DEFAULT '{}',
  raised_at      timestamptz NOT NULL,
  updated_at     timestamptz NOT NULL,
  closed_at      timestamptz,
  close_reason   text,
  closed_by      text,
  event_id       text        NOT NULL
);
CREATE INDEX insights_server_idx ON insights (server_id, status);
CREATE INDEX insights_status_updated_idx ON insights (status, updated_at DESC);

-- ---------------------------------------------------------------------------------------------
-- Silences (projection "silences", topic ipmi.silences.v1)
-- ---------------------------------------------------------------------------------------------

-- One row per (silence, server): a silence over several servers is one event per server.
CREATE TABLE silences (
  silence_id     text        NOT NULL,
  server_id      text        NOT NULL,
  component_type text,
  component      text,
  condition      text,
  starts_at      timestamptz NOT NULL,
  ends_at        timestamptz NOT NULL,
  created_by     text        NOT NULL,
  comment        text        NOT NULL,
  created_at     timestamptz NOT NULL,
  lifted_at      timestamptz,
  lifted_by      text,
  PRIMARY KEY (silence_id, server_id)
);

-- ---------------------------------------------------------------------------------------------
-- One row per configured server with what the fleet pages show next to it.
-- ---------------------------------------------------------------------------------------------

CREATE VIEW server_overview AS
SELECT s.server_id,
       s.name,
       s.host,
       s.model,
       s.tags,
       s.enabled,
       st.reachable,
       st.reachability_reason,
       st.power_state,
       st.dcmi_watts,
       st.last_poll_at,
       inv.manufacturer,
       inv.product_name,
       inv.bmc_firmware_version,
       (SELECT count(*) FROM alerts a
         WHERE a.server_id = s.server_id AND a.status = 'ACTIVE' AND a.severity = 'CRITICAL')
         AS critical_alerts,
       (SELECT count(*) FROM alerts a
         WHERE a.server_id = s.server_id AND a.status = 'ACTIVE' AND a.severity = 'WARNING')
         AS warning_alerts,
       CASE
         WHEN NOT s.enabled THEN 'UNKNOWN'
         WHEN st.reachable IS FALSE THEN 'UNREACHABLE'
         WHEN EXISTS (SELECT 1 FROM alerts a WHERE a.server_id = s.server_id
                        AND a.status = 'ACTIVE' AND a.severity = 'CRITICAL') THEN 'CRITICAL'
         WHEN EXISTS (SELECT 1 FROM alerts a WHERE a.server_id = s.server_id
                        AND a.status = 'ACTIVE' AND a.severity = 'WARNING') THEN 'WARNING'
         WHEN st.reachable IS TRUE THEN 'OK'
         ELSE 'UNKNOWN'
       END AS health
  FROM servers s
  LEFT JOIN server_status st ON st.server_id = s.server_id
  LEFT JOIN server_inventory inv ON inv.server_id = s.server_id;
