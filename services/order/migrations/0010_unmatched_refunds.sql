-- Refunds WeChat reports for orders this service does not know (another system sharing the
-- merchant account, or orders lost to a restore): verified money movements, kept for a person
-- instead of being refused until WeChat gives up on them. One row per out_refund_no: its status
-- only moves forward (PROCESSING, ABNORMAL, then SUCCESS or CLOSED for good), the first amount
-- stays and a report of another one sets amount_conflict; `reports` counts the deliveries.
CREATE TABLE unmatched_refund_reports (
  out_refund_no text PRIMARY KEY CHECK (out_refund_no <> ''),
  out_trade_no  text NOT NULL,
  refund_id     text NOT NULL DEFAULT '',
  status        text NOT NULL CHECK (status IN ('PROCESSING', 'SUCCESS', 'ABNORMAL', 'CLOSED')),
  amount_fen    bigint NOT NULL CHECK (amount_fen > 0),
  amount_conflict boolean NOT NULL DEFAULT false,
  reports       int NOT NULL DEFAULT 1,
  first_seen_at timestamptz NOT NULL DEFAULT now(),
  last_seen_at  timestamptz NOT NULL DEFAULT now()
);
