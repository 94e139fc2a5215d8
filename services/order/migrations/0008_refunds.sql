-- Refunds: money going back to the payer of a paid order, one row per refund with our
-- out_refund_no (reused for every retry of that refund at WeChat) and WeChat's refund_id once
-- known. Refunds of one order are decided under the order's row lock, so PROCESSING and
-- SUCCESS refunds never add up to more than the order's total.
CREATE TABLE refunds (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  order_id        uuid NOT NULL REFERENCES orders (id),
  out_refund_no   text NOT NULL UNIQUE CHECK (out_refund_no <> ''),
  amount_fen      bigint NOT NULL CHECK (amount_fen > 0),
  reason          text NOT NULL DEFAULT '',
  status          text NOT NULL CHECK (status IN ('PROCESSING', 'SUCCESS', 'ABNORMAL', 'CLOSED')),
  refund_id       text UNIQUE,
  requested_by    text NOT NULL,
  idempotency_key text,
  request_hash    text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  UNIQUE (order_id, idempotency_key)
);

CREATE INDEX refunds_order_idx ON refunds (order_id, created_at, id);
-- The settling job's question: which refunds is WeChat still processing.
CREATE INDEX refunds_processing_idx ON refunds (updated_at, id) WHERE status = 'PROCESSING';
