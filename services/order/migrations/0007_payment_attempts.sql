-- Payment attempts: changing channel on an unpaid order needs a new out_trade_no at WeChat
-- (a second prepay of one out_trade_no with other fields is refused), so attempt n > 0 of an
-- order is known to WeChat as "<out_trade_no>_<n>" (our out_trade_nos never contain '_').
-- Payment closes the current attempt at WeChat before it starts the next. A report for any
-- attempt applies to its order: every lookup by out_trade_no takes the part before the '_',
-- and reports of two attempts of one order in a batch are applied one at a time.
ALTER TABLE orders ADD COLUMN payment_attempt int NOT NULL DEFAULT 0
  CHECK (payment_attempt >= 0);

CREATE OR REPLACE FUNCTION apply_payment_set(
  p_notification_ids text[], p_sources text[], p_event_types text[], p_out_trade_nos text[],
  p_transaction_ids text[], p_appids text[], p_mchids text[], p_trade_types text[],
  p_trade_states text[], p_success_us bigint[], p_payer_openids text[],
  p_amount_totals bigint[], p_payer_totals bigint[], p_currencies text[], p_now_us bigint)
RETURNS TABLE (r_idx int, r_outcome text, r_order_id uuid, r_state text, r_flagged boolean,
               r_flag_reason text)
LANGUAGE plpgsql
-- Every row this function touches is found by key or by address. Its plans are cached per
-- connection, possibly while the tables are still empty, when a scan looks cheapest; no scan
-- stays cheap as they grow.
SET enable_seqscan = off
AS $$
DECLARE
  v_new text[];   -- notification ids seen for the first time
  v_inbox tid[];  -- their inbox rows
  v_paid text[];  -- transaction ids recorded for the first time
  d_idx int[];
  d_outcome text[];
  d_order uuid[];
  d_from text[];
  d_to text[];
  d_event text[];
  d_reason text[];
BEGIN
  -- 1. The inbox rows are the gate: a delivery seen before (or racing a concurrent one, which
  -- waits here for the other's commit) changes nothing. The openid stays out of this copy.
  WITH ins AS (
    INSERT INTO notification_inbox (notification_id, source, event_type, out_trade_no,
                                    transaction_id, outcome, report)
    SELECT t.n, t.src, t.ev, t.otn, NULLIF(t.txn, ''), 'RECEIVED',
           jsonb_build_object('appid', t.appid, 'mchid', t.mchid, 'out_trade_no', t.otn,
                              'transaction_id', t.txn, 'trade_type', t.ttype,
                              'trade_state', t.tstate,
                              'success_time', 'epoch'::timestamptz + t.sus * interval '1 microsecond',
                              'amount_total', t.amt, 'payer_total', t.ptot, 'currency', t.cur)
    FROM unnest(p_notification_ids, p_sources, p_event_types, p_out_trade_nos, p_transaction_ids,
                p_appids, p_mchids, p_trade_types, p_trade_states, p_success_us,
                p_amount_totals, p_payer_totals, p_currencies)
         AS t(n, src, ev, otn, txn, appid, mchid, ttype, tstate, sus, amt, ptot, cur)
    ORDER BY t.otn
    ON CONFLICT (notification_id) DO NOTHING
    RETURNING notification_id, ctid)
  SELECT coalesce(array_agg(notification_id), '{}'), coalesce(array_agg(ctid), '{}')
    INTO v_new, v_inbox FROM ins;

  -- 2. Reports of one order, under any notification id, queue up on its row lock. Only a new,
  -- successful report can change an order.
  PERFORM 1 FROM orders o
  WHERE o.out_trade_no = ANY (ARRAY(
    SELECT split_part(t.otn, '_', 1)
    FROM unnest(p_notification_ids, p_out_trade_nos, p_trade_states) AS t(n, otn, ts)
    WHERE t.n = ANY (v_new) AND t.ts = 'SUCCESS'))
  ORDER BY o.out_trade_no
  FOR UPDATE;

  -- 3. Money WeChat took, recorded once per transaction (with no order when it is unknown).
  WITH pay AS (
    INSERT INTO payments (transaction_id, order_id, out_trade_no, trade_state, amount_total,
                          payer_total, currency, success_time, payer_openid, source)
    SELECT t.txn, o.id, t.otn, t.ts, t.amt, t.ptot, t.cur,
           'epoch'::timestamptz + t.sus * interval '1 microsecond', NULLIF(t.openid, ''), t.src
    FROM unnest(p_notification_ids, p_sources, p_out_trade_nos, p_transaction_ids,
                p_trade_states, p_success_us, p_payer_openids, p_amount_totals, p_payer_totals,
                p_currencies) AS t(n, src, otn, txn, ts, sus, openid, amt, ptot, cur)
    LEFT JOIN LATERAL (SELECT o.id FROM orders o
                       WHERE o.out_trade_no = split_part(t.otn, '_', 1)) o ON true
    WHERE t.n = ANY (v_new) AND t.ts = 'SUCCESS'
    ORDER BY t.otn
    ON CONFLICT (transaction_id) DO NOTHING
    RETURNING transaction_id)
  SELECT coalesce(array_agg(transaction_id), '{}') INTO v_paid FROM pay;

  -- 4. What each report does to its (locked) order.
  SELECT array_agg(t.idx::int ORDER BY t.idx), array_agg(c.outcome ORDER BY t.idx),
         array_agg(o.id ORDER BY t.idx), array_agg(o.state ORDER BY t.idx),
         array_agg(CASE WHEN e.event IN ('paid', 'late_payment') THEN 'PAID' ELSE o.state END
                   ORDER BY t.idx),
         array_agg(e.event ORDER BY t.idx),
         array_agg(CASE e.event
                     WHEN 'amount_mismatch' THEN
                       'amount_mismatch: reported ' || t.amt || ' fen'
                       || CASE WHEN t.cur <> o.currency THEN ' in ' || t.cur ELSE '' END
                       || ', expected ' || o.total_fen || ' fen'
                       || CASE WHEN t.cur <> o.currency THEN ' in ' || o.currency ELSE '' END
                     WHEN 'duplicate_payment' THEN
                       'duplicate_payment: ' || t.txn || ' after ' || o.transaction_id
                       || ', refund required'
                     WHEN 'late_payment' THEN 'late_payment: paid after close, refund required'
                   END ORDER BY t.idx)
    INTO d_idx, d_outcome, d_order, d_from, d_to, d_event, d_reason
  FROM unnest(p_notification_ids, p_out_trade_nos, p_transaction_ids, p_trade_states,
              p_amount_totals, p_currencies) WITH ORDINALITY AS t(n, otn, txn, ts, amt, cur, idx)
  LEFT JOIN LATERAL (SELECT * FROM orders o
                     WHERE o.out_trade_no = split_part(t.otn, '_', 1)) o ON true
  CROSS JOIN LATERAL (SELECT CASE
      WHEN NOT (t.n = ANY (v_new)) THEN 'DUPLICATE'
      WHEN t.ts <> 'SUCCESS' THEN 'IGNORED'
      WHEN o.id IS NULL THEN 'UNKNOWN_ORDER'
      WHEN NOT (t.txn = ANY (v_paid)) THEN 'DUPLICATE'
      WHEN t.amt <> o.total_fen OR t.cur <> o.currency THEN 'AMOUNT_MISMATCH'
      WHEN o.state IN ('PAID', 'PARTIALLY_REFUNDED', 'REFUNDED')
           AND o.transaction_id = t.txn THEN 'DUPLICATE'  -- already applied: nothing to do
      -- A second, different payment for one order: money to give back, never APPLIED.
      WHEN o.state IN ('PAID', 'PARTIALLY_REFUNDED', 'REFUNDED') THEN 'DUPLICATE_PAYMENT'
      ELSE 'APPLIED' END AS outcome) c
  CROSS JOIN LATERAL (SELECT CASE
      WHEN c.outcome = 'AMOUNT_MISMATCH' THEN 'amount_mismatch'
      WHEN c.outcome = 'DUPLICATE_PAYMENT' THEN 'duplicate_payment'
      WHEN c.outcome <> 'APPLIED' THEN NULL
      WHEN o.state = 'CLOSED' THEN 'late_payment'
      ELSE 'paid' END AS event) e;  -- CREATED, PAYING, PAY_FAILED

  -- 5. The changes, with the event that caused each (the audit trail).
  UPDATE orders o SET
    state = d.to_state, updated_at = now(),
    transaction_id = CASE WHEN d.event IN ('paid', 'late_payment')
                       THEN p_transaction_ids[d.idx] ELSE o.transaction_id END,
    paid_at = CASE WHEN d.event IN ('paid', 'late_payment')
                THEN 'epoch'::timestamptz
                     + coalesce(p_success_us[d.idx], p_now_us) * interval '1 microsecond'
                ELSE o.paid_at END,
    late_payment = o.late_payment OR d.event = 'late_payment',
    flagged = o.flagged OR d.reason IS NOT NULL,
    flag_reason = CASE WHEN d.reason IS NULL THEN o.flag_reason
                       WHEN coalesce(o.flag_reason, '') = '' THEN d.reason
                       ELSE o.flag_reason || '; ' || d.reason END
  FROM unnest(d_idx, d_order, d_to, d_event, d_reason) AS d(idx, order_id, to_state, event, reason)
  WHERE o.id = d.order_id AND d.event IS NOT NULL;

  INSERT INTO order_events (order_id, event_type, from_state, to_state, detail)
  SELECT d.order_id, d.event, d.from_state, d.to_state, jsonb_strip_nulls(jsonb_build_object(
           'transaction_id', p_transaction_ids[d.idx],
           'notification_id', p_notification_ids[d.idx],
           'source', p_sources[d.idx],
           'reported_fen', CASE WHEN d.event = 'amount_mismatch' THEN p_amount_totals[d.idx] END,
           'expected_fen', CASE WHEN d.event = 'amount_mismatch' THEN o.total_fen END,
           'reason', d.reason))
  FROM unnest(d_idx, d_order, d_from, d_to, d_event, d_reason)
       AS d(idx, order_id, from_state, to_state, event, reason)
  CROSS JOIN LATERAL (SELECT o.total_fen FROM orders o WHERE o.id = d.order_id) o
  WHERE d.event IS NOT NULL
  ORDER BY d.idx;

  -- 6. What was done about each new report, by row address.
  UPDATE notification_inbox i
  SET outcome = d_outcome[array_position(p_notification_ids, i.notification_id)]
  WHERE i.ctid = ANY (v_inbox);

  RETURN QUERY
  SELECT d.idx, d.outcome, d.order_id, o.state, coalesce(o.flagged, false),
         coalesce(o.flag_reason, '')
  FROM unnest(d_idx, d_outcome, d_order) AS d(idx, outcome, order_id)
  LEFT JOIN LATERAL (SELECT * FROM orders o WHERE o.id = d.order_id) o ON true;
END
$$;

CREATE OR REPLACE FUNCTION apply_payments(
  p_notification_ids text[], p_sources text[], p_event_types text[], p_out_trade_nos text[],
  p_transaction_ids text[], p_appids text[], p_mchids text[], p_trade_types text[],
  p_trade_states text[], p_success_us bigint[], p_payer_openids text[],
  p_amount_totals bigint[], p_payer_totals bigint[], p_currencies text[], p_now_us bigint)
RETURNS TABLE (r_idx int, r_outcome text, r_order_id uuid, r_state text, r_flagged boolean,
               r_flag_reason text)
LANGUAGE plpgsql AS $$
DECLARE
  n int := coalesce(array_length(p_notification_ids, 1), 0);
  i int;
BEGIN
  IF (SELECT count(DISTINCT x) FROM unnest(p_notification_ids) x) = n
     AND (SELECT count(DISTINCT split_part(x, '_', 1)) FROM unnest(p_out_trade_nos) x) = n
     AND (SELECT count(x) = count(DISTINCT x) FROM unnest(p_transaction_ids) x WHERE x <> '')
  THEN
    RETURN QUERY SELECT * FROM apply_payment_set(
      p_notification_ids, p_sources, p_event_types, p_out_trade_nos, p_transaction_ids, p_appids,
      p_mchids, p_trade_types, p_trade_states, p_success_us, p_payer_openids, p_amount_totals,
      p_payer_totals, p_currencies, p_now_us);
    RETURN;
  END IF;
  FOR i IN
    SELECT s.i FROM generate_subscripts(p_notification_ids, 1) AS s(i)
    ORDER BY split_part(p_out_trade_nos[s.i], '_', 1), p_notification_ids[s.i], s.i
  LOOP
    RETURN QUERY SELECT i, a.r_outcome, a.r_order_id, a.r_state, a.r_flagged, a.r_flag_reason
    FROM apply_payment_set(
      p_notification_ids[i:i], p_sources[i:i], p_event_types[i:i], p_out_trade_nos[i:i],
      p_transaction_ids[i:i], p_appids[i:i], p_mchids[i:i], p_trade_types[i:i],
      p_trade_states[i:i], p_success_us[i:i], p_payer_openids[i:i], p_amount_totals[i:i],
      p_payer_totals[i:i], p_currencies[i:i], p_now_us) AS a;
  END LOOP;
END
$$;
