-- A payment WeChat reports for a CLOSED order is kept (PAID, late_payment, flagged); under the
-- "refund" policy the money also starts going back at once: a full refund, PROCESSING, opened in
-- the same transaction as the late payment itself, so no crash between the two can forget it.
-- Payment's settling job finds it among the refunds still PROCESSING, learns WeChat has not
-- heard of it, and sends it under its out_refund_no; the order's flag says so. The policy is the
-- session setting paymesh.late_payment_policy that order sets on each connection
-- (ORDER_LATE_PAYMENT_POLICY). Unset, nothing moves money: a session without it (a repair in
-- psql, a pooler that drops session settings) only flags, as the "flag" policy does.
CREATE OR REPLACE FUNCTION refund_late_payment() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  v_no text := 'RL' || replace(NEW.order_id::text, '-', '');
  v_total bigint;
BEGIN
  IF coalesce(current_setting('paymesh.late_payment_policy', true), '') <> 'refund' THEN
    RETURN NULL;
  END IF;
  INSERT INTO refunds (order_id, out_refund_no, amount_fen, reason, status, requested_by,
                       idempotency_key)
  SELECT o.id, v_no, o.total_fen, 'late payment: the order was closed', 'PROCESSING',
         'system:late-payment', 'late-payment'
  FROM orders o
  WHERE o.id = NEW.order_id
  ON CONFLICT DO NOTHING
  RETURNING amount_fen INTO v_total;
  IF v_total IS NOT NULL THEN
    UPDATE orders
    SET flag_reason = replace(flag_reason, 'late_payment: paid after close, refund required',
                              'late_payment: paid after close, refund ' || v_no || ' opened')
    WHERE id = NEW.order_id;
    INSERT INTO order_events (order_id, event_type, from_state, to_state, detail)
    VALUES (NEW.order_id, 'refund_requested', NEW.to_state, NEW.to_state,
            jsonb_build_object('out_refund_no', v_no, 'refund_fen', v_total,
                               'reason', 'late payment: the order was closed'));
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER order_events_late_payment_refund
AFTER INSERT ON order_events
FOR EACH ROW WHEN (NEW.event_type = 'late_payment')
EXECUTE FUNCTION refund_late_payment();
