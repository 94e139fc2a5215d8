-- WeChat identities: one row per (app, openid), pointing at the account it signs in to. unionid
-- (the same person across the apps of one Open Platform account) is kept once WeChat reveals
-- it and lets a mini program user and an Official Account user share an account. session_key
-- is the mini program's, kept server-side only.
CREATE TABLE wechat_identities (
  appid       text NOT NULL CHECK (appid ~ '^[A-Za-z0-9_]{1,32}$'),
  openid      text NOT NULL CHECK (length(openid) BETWEEN 1 AND 128),
  unionid     text CHECK (length(unionid) BETWEEN 1 AND 128),
  user_id     uuid NOT NULL REFERENCES users (id),
  nickname    text NOT NULL DEFAULT '' CHECK (length(nickname) <= 256),
  avatar_url  text NOT NULL DEFAULT '' CHECK (length(avatar_url) <= 1024),
  session_key text,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (appid, openid)
);

CREATE INDEX wechat_identities_unionid ON wechat_identities (unionid) WHERE unionid IS NOT NULL;
CREATE INDEX wechat_identities_user ON wechat_identities (user_id);

-- Every change to an account, append-only: who, what, when. `detail` never holds a secret, a
-- full openid or a full mobile.
CREATE TABLE account_events (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id    uuid NOT NULL REFERENCES users (id),
  kind       text NOT NULL CHECK (kind IN ('registered', 'wechat_created', 'wechat_linked')),
  detail     jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX account_events_user ON account_events (user_id, id);
