-- 0003: indexes for the dashboards' queries (Grafana's and the API's), found by reading their
-- plans over 7 days of 100 servers x 30 sensors.

-- One sensor's series from an aggregate: without these, the per-minute and hourly aggregates
-- are read through an index on (server, bucket) only and every other sensor of the server is
-- filtered out row by row.
CREATE INDEX readings_1m_server_sensor_bucket_idx ON readings_1m (server_id, sensor_id, bucket DESC);
CREATE INDEX readings_1h_server_sensor_bucket_idx ON readings_1h (server_id, sensor_id, bucket DESC);

-- "Failed polls over time": the failures are a sliver of all polls, so a partial index lets
-- the panel skip the successful ones.
CREATE INDEX poll_outcomes_failed_idx ON poll_outcomes (time DESC) WHERE outcome <> 'OK';
