-- Accounts. Usernames keep the case they were registered with and are unique regardless of
-- case. password_hash is a PHC scrypt string; it may be NULL for accounts that sign in some
-- other way (WeChat identities will live in their own table referencing users.id).
CREATE TABLE users (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  username      text NOT NULL CHECK (username ~ '^[A-Za-z0-9_]{3,32}$'),
  password_hash text,
  mobile        text UNIQUE CHECK (mobile ~ '^1[3-9][0-9]{9}$'),
  scopes        text[] NOT NULL DEFAULT '{user}',
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now()
);

CREATE UNIQUE INDEX users_username_lower_key ON users (lower(username));
