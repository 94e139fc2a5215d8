-- Catalogue, orders, their lines and the audit trail. Unqualified names: the migration runner
-- sets search_path to the service's schema.

CREATE TABLE products (
  sku       text PRIMARY KEY CHECK (sku ~ '^[A-Za-z0-9._-]{1,64}$'),
  name      text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  price_fen bigint NOT NULL CHECK (price_fen > 0),
  currency  text NOT NULL DEFAULT 'CNY' CHECK (currency = 'CNY'),
  active    boolean NOT NULL DEFAULT true
);

CREATE TABLE orders (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id         text NOT NULL CHECK (user_id <> ''),
  out_trade_no    text NOT NULL UNIQUE CHECK (out_trade_no ~ '^[0-9A-Za-z_-]{6,32}$'),
  state           text NOT NULL DEFAULT 'CREATED' CHECK (state IN (
                    'CREATED', 'PAYING', 'PAID', 'PAY_FAILED', 'CLOSED',
                    'PARTIALLY_REFUNDED', 'REFUNDED')),
  total_fen       bigint NOT NULL CHECK (total_fen >= 1),
  currency        text NOT NULL DEFAULT 'CNY' CHECK (currency = 'CNY'),
  -- Set together: the client's Idempotency-Key and the SHA-256 of its canonical cart.
  idempotency_key text,
  request_hash    text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT orders_user_idempotency_key UNIQUE (user_id, idempotency_key),
  CONSTRAINT orders_key_has_hash CHECK ((idempotency_key IS NULL) = (request_hash IS NULL))
);

-- ListOrders: a user's orders newest first, keyset-paged on (created_at, id).
CREATE INDEX orders_user_created_idx ON orders (user_id, created_at DESC, id DESC);

CREATE TABLE order_items (
  order_id       uuid NOT NULL REFERENCES orders (id),
  line_no        int NOT NULL CHECK (line_no BETWEEN 1 AND 50),
  sku            text NOT NULL REFERENCES products (sku),
  name           text NOT NULL,
  quantity       int NOT NULL CHECK (quantity BETWEEN 1 AND 99),
  unit_price_fen bigint NOT NULL CHECK (unit_price_fen > 0),
  line_total_fen bigint NOT NULL CHECK (line_total_fen = unit_price_fen * quantity),
  PRIMARY KEY (order_id, line_no)
);

-- Audit trail: every state change is written with the event that caused it.
CREATE TABLE order_events (
  id         bigserial PRIMARY KEY,
  order_id   uuid NOT NULL REFERENCES orders (id),
  event_type text NOT NULL,
  from_state text,
  to_state   text NOT NULL,
  detail     jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX order_events_order_idx ON order_events (order_id, id);
