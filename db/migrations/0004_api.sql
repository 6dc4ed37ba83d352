-- 0004: what the API owns. Not projections: no topic describes these, so a rebuild never
-- touches them (rebuild empties only a projection's own tables). Users, tokens and the audit
-- trail are the API's security state; acknowledgements are operators' notes on alerts and
-- insights, joined in at read time.

-- People who log in (the web UI) and the role they act with. Passwords are scrypt hashes
-- (`scrypt$N$r$p$salt$hash`, base64); the clear text is never stored.
CREATE TABLE api_users (
  username      text        PRIMARY KEY,
  role          text        NOT NULL CHECK (role IN ('admin', 'read-only')),
  password_hash text        NOT NULL,
  created_at    timestamptz NOT NULL,
  created_by    text        NOT NULL
);

-- Bearer tokens: API tokens for scripts (no expiry unless given) and login sessions of the web
-- UI (kind 'session', with an expiry). Only a SHA-256 of the secret part is stored: tokens
-- are 32 random bytes, so a fast hash is enough and lookup is one index probe.
CREATE TABLE api_tokens (
  token_id      text        PRIMARY KEY,
  kind          text        NOT NULL CHECK (kind IN ('api', 'session')),
  name          text        NOT NULL,
  role          text        NOT NULL CHECK (role IN ('admin', 'read-only')),
  secret_sha256 text        NOT NULL,
  username      text,
  created_at    timestamptz NOT NULL,
  created_by    text        NOT NULL,
  expires_at    timestamptz,
  last_used_at  timestamptz,
  revoked_at    timestamptz
);

-- Every change made through the API, who made it and whether it was allowed. Kept like the
-- SEL: an operator's history, never pruned by the service.
CREATE TABLE api_audit (
  audit_id   bigserial   PRIMARY KEY,
  time       timestamptz NOT NULL,
  actor      text        NOT NULL,
  role       text,
  action     text        NOT NULL,
  target     text,
  outcome    text        NOT NULL,
  status     integer     NOT NULL,
  remote     text,
  detail     jsonb       NOT NULL DEFAULT '{}'
);
CREATE INDEX api_audit_time_idx ON api_audit (time DESC);

-- "I have seen this alert": an alert stays active until its condition clears, so an
-- acknowledgement is a note beside it, not a state the stream processor owns.
CREATE TABLE alert_acks (
  alert_id  text        PRIMARY KEY,
  acked_by  text        NOT NULL,
  acked_at  timestamptz NOT NULL,
  comment   text        NOT NULL DEFAULT ''
);

-- What an operator did with an insight: acknowledged it, or completed the maintenance task.
CREATE TABLE insight_actions (
  insight_id text        PRIMARY KEY,
  action     text        NOT NULL CHECK (action IN ('acknowledged', 'completed')),
  by_user    text        NOT NULL,
  at         timestamptz NOT NULL,
  comment    text        NOT NULL DEFAULT ''
);
