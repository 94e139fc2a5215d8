-- The payment side of the order state machine: the prepay WeChat issued, the transaction that
-- paid the order, review flags, every payment WeChat reported and every report received.

ALTER TABLE orders
  ADD COLUMN prepay_channel    text
    CHECK (prepay_channel IN ('native', 'jsapi', 'miniprogram', 'h5')),
  ADD COLUMN prepay_code_url   text,
  ADD COLUMN prepay_id         text,
  ADD COLUMN prepay_h5_url     text,
  ADD COLUMN prepay_expires_at timestamptz,
  ADD COLUMN transaction_id    text,
  ADD COLUMN paid_at           timestamptz,
  ADD COLUMN late_payment      boolean NOT NULL DEFAULT false,
  ADD COLUMN flagged           boolean NOT NULL DEFAULT false,
  ADD COLUMN flag_reason       text,
  ADD CONSTRAINT orders_paid_has_transaction CHECK (
    state NOT IN ('PAID', 'PARTIALLY_REFUNDED', 'REFUNDED')
    OR (transaction_id IS NOT NULL AND paid_at IS NOT NULL)),
  ADD CONSTRAINT orders_flag_has_reason CHECK (NOT flagged OR flag_reason IS NOT NULL);

-- One WeChat transaction pays at most one order.
CREATE UNIQUE INDEX orders_transaction_id_key ON orders (transaction_id)
  WHERE transaction_id IS NOT NULL;

-- Every payment WeChat reported as taken, once per transaction; order_id is NULL when the
-- out_trade_no matched no order (kept for reconciliation).
CREATE TABLE payments (
  transaction_id text PRIMARY KEY CHECK (transaction_id <> ''),
  order_id       uuid REFERENCES orders (id),
  out_trade_no   text NOT NULL,
  trade_state    text NOT NULL,
  amount_total   bigint NOT NULL CHECK (amount_total >= 0),
  payer_total    bigint NOT NULL CHECK (payer_total >= 0),
  currency       text NOT NULL,
  success_time   timestamptz,
  payer_openid   text,
  source         text NOT NULL CHECK (source IN ('notification', 'query')),
  created_at     timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX payments_order_idx ON payments (order_id);
CREATE INDEX payments_out_trade_no_idx ON payments (out_trade_no);

-- Every report received (notification or query answer), keyed by its notification id, with
-- what was done about it. Written in the transaction that applies the report, so a report is
-- either recorded with its outcome or not at all (and then WeChat delivers it again).
CREATE TABLE notification_inbox (
  notification_id text PRIMARY KEY CHECK (notification_id <> ''),
  source          text NOT NULL CHECK (source IN ('notification', 'query')),
  event_type      text NOT NULL,
  out_trade_no    text NOT NULL,
  transaction_id  text,
  outcome         text NOT NULL CHECK (outcome IN (
                    'RECEIVED', 'APPLIED', 'DUPLICATE', 'AMOUNT_MISMATCH', 'UNKNOWN_ORDER',
                    'IGNORED')),
  report          jsonb NOT NULL,
  received_at     timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX notification_inbox_out_trade_no_idx ON notification_inbox (out_trade_no);
