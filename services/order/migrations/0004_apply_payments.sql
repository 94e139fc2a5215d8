-- ApplyPayments in one round trip: every report of a batch is applied by one call of this
-- function, in the caller's single (autocommit) transaction. The rules are the contract of
-- OrderStore::ApplyPayments (services/order/store.h, docs/architecture.md "Order states");
-- FakeOrderStore mirrors them and the store contract test holds both to it.
--
-- Reports are applied one after the other, ordered by (out_trade_no, notification_id) so that
-- concurrent batches take their locks in the same order. Each statement below sees what the
-- earlier ones did, so two deliveries of one notification, or two reports of one order, in one
-- batch are applied exactly once. Arrays are parallel, one element per report; the result has
-- one row per report, r_idx being its 1-based position in the arrays.

CREATE FUNCTION apply_payments(
  p_notification_ids text[], p_sources text[], p_event_types text[], p_out_trade_nos text[],
  p_transaction_ids text[], p_appids text[], p_mchids text[], p_trade_types text[],
  p_trade_states text[], p_success_us bigint[], p_payer_openids text[],
  p_amount_totals bigint[], p_payer_totals bigint[], p_currencies text[], p_now_us bigint)
RETURNS TABLE (r_idx int, r_outcome text, r_order_id uuid, r_state text, r_flagged boolean,
               r_flag_reason text)
LANGUAGE plpgsql AS $$
DECLARE
  i int;
  v_success timestamptz;
  v_id uuid;
  v_state text;
  v_total bigint;
  v_currency text;
  v_transaction text;
  v_flagged boolean;
  v_reason text;
  v_outcome text;
  v_event text;
  v_to_state text;
  v_new_reason text;
BEGIN
  FOR i IN
    SELECT s.i FROM generate_subscripts(p_notification_ids, 1) AS s(i)
    ORDER BY p_out_trade_nos[s.i], p_notification_ids[s.i], s.i
  LOOP
    r_idx := i;
    v_success := 'epoch'::timestamptz + p_success_us[i] * interval '1 microsecond';

    -- 1. The inbox row is the gate: a delivery seen before (or racing a concurrent one, which
    -- waits here for the other's commit) changes nothing. The openid stays out of this copy.
    INSERT INTO notification_inbox (notification_id, source, event_type, out_trade_no,
                                    transaction_id, outcome, report)
    VALUES (p_notification_ids[i], p_sources[i], p_event_types[i], p_out_trade_nos[i],
            NULLIF(p_transaction_ids[i], ''), 'RECEIVED',
            jsonb_build_object('appid', p_appids[i], 'mchid', p_mchids[i],
                               'out_trade_no', p_out_trade_nos[i],
                               'transaction_id', p_transaction_ids[i],
                               'trade_type', p_trade_types[i], 'trade_state', p_trade_states[i],
                               'success_time', v_success, 'amount_total', p_amount_totals[i],
                               'payer_total', p_payer_totals[i], 'currency', p_currencies[i]))
    ON CONFLICT (notification_id) DO NOTHING;
    IF NOT FOUND THEN
      SELECT o.id, o.state, o.flagged, coalesce(o.flag_reason, '')
        INTO r_order_id, r_state, r_flagged, r_flag_reason
        FROM orders o WHERE o.out_trade_no = p_out_trade_nos[i];
      r_outcome := 'DUPLICATE';
      RETURN NEXT;
      CONTINUE;
    END IF;

    -- 2. Only a successful payment can change an order.
    IF p_trade_states[i] <> 'SUCCESS' THEN
      v_outcome := 'IGNORED';
      SELECT o.id, o.state, o.flagged, coalesce(o.flag_reason, '')
        INTO r_order_id, r_state, r_flagged, r_flag_reason
        FROM orders o WHERE o.out_trade_no = p_out_trade_nos[i];
    ELSE
      -- 3. Reports of one order, under any notification id, queue up on this row lock.
      SELECT o.id, o.state, o.total_fen, o.currency, coalesce(o.transaction_id, ''), o.flagged,
             coalesce(o.flag_reason, '')
        INTO v_id, v_state, v_total, v_currency, v_transaction, v_flagged, v_reason
        FROM orders o WHERE o.out_trade_no = p_out_trade_nos[i] FOR UPDATE;
      IF NOT FOUND THEN
        v_id := NULL;
      END IF;

      -- 4. Money WeChat took, recorded once per transaction (with no order when unknown).
      INSERT INTO payments (transaction_id, order_id, out_trade_no, trade_state, amount_total,
                            payer_total, currency, success_time, payer_openid, source)
      VALUES (p_transaction_ids[i], v_id, p_out_trade_nos[i], p_trade_states[i],
              p_amount_totals[i], p_payer_totals[i], p_currencies[i], v_success,
              NULLIF(p_payer_openids[i], ''), p_sources[i])
      ON CONFLICT (transaction_id) DO NOTHING;

      IF v_id IS NULL THEN
        v_outcome := 'UNKNOWN_ORDER';
        r_order_id := NULL; r_state := NULL; r_flagged := false; r_flag_reason := '';
      ELSIF NOT FOUND THEN
        v_outcome := 'DUPLICATE';
        r_order_id := v_id; r_state := v_state; r_flagged := v_flagged; r_flag_reason := v_reason;
      ELSE
        -- 5. The change.
        v_event := NULL;
        v_to_state := v_state;
        v_new_reason := NULL;
        IF p_amount_totals[i] <> v_total OR p_currencies[i] <> v_currency THEN
          v_outcome := 'AMOUNT_MISMATCH';
          v_event := 'amount_mismatch';
          v_new_reason := 'amount_mismatch: reported ' || p_amount_totals[i] || ' fen'
            || CASE WHEN p_currencies[i] <> v_currency THEN ' in ' || p_currencies[i] ELSE '' END
            || ', expected ' || v_total || ' fen'
            || CASE WHEN p_currencies[i] <> v_currency THEN ' in ' || v_currency ELSE '' END;
        ELSIF v_state IN ('PAID', 'PARTIALLY_REFUNDED', 'REFUNDED') THEN
          IF v_transaction = p_transaction_ids[i] THEN
            v_outcome := 'DUPLICATE';  -- already applied: nothing to do
          ELSE
            -- A second, different payment for one order: money to give back.
            v_outcome := 'APPLIED';
            v_event := 'duplicate_payment';
            v_new_reason := 'duplicate_payment: ' || p_transaction_ids[i] || ' after '
              || v_transaction || ', refund required';
          END IF;
        ELSE
          v_outcome := 'APPLIED';
          v_to_state := 'PAID';
          IF v_state = 'CLOSED' THEN
            v_event := 'late_payment';
            v_new_reason := 'late_payment: paid after close, refund required';
          ELSE
            v_event := 'paid';  -- CREATED, PAYING, PAY_FAILED
          END IF;
        END IF;

        IF v_event IS NOT NULL THEN
          UPDATE orders o SET
            state = v_to_state, updated_at = now(),
            transaction_id = CASE WHEN v_event IN ('paid', 'late_payment')
                               THEN p_transaction_ids[i] ELSE o.transaction_id END,
            paid_at = CASE WHEN v_event IN ('paid', 'late_payment')
                        THEN coalesce(v_success, 'epoch'::timestamptz
                                                 + p_now_us * interval '1 microsecond')
                        ELSE o.paid_at END,
            late_payment = o.late_payment OR v_event = 'late_payment',
            flagged = o.flagged OR v_new_reason IS NOT NULL,
            flag_reason = coalesce(v_new_reason, o.flag_reason)
          WHERE o.id = v_id
          RETURNING o.state, o.flagged, coalesce(o.flag_reason, '')
            INTO r_state, r_flagged, r_flag_reason;
          INSERT INTO order_events (order_id, event_type, from_state, to_state, detail)
          VALUES (v_id, v_event, v_state, v_to_state, jsonb_strip_nulls(jsonb_build_object(
            'transaction_id', p_transaction_ids[i],
            'notification_id', p_notification_ids[i],
            'source', p_sources[i],
            'reported_fen', CASE WHEN v_outcome = 'AMOUNT_MISMATCH' THEN p_amount_totals[i] END,
            'expected_fen', CASE WHEN v_outcome = 'AMOUNT_MISMATCH' THEN v_total END,
            'reason', v_new_reason)));
        ELSE
          r_state := v_state; r_flagged := v_flagged; r_flag_reason := v_reason;
        END IF;
        r_order_id := v_id;
      END IF;
    END IF;

    -- 6. What was done about it.
    UPDATE notification_inbox SET outcome = v_outcome
      WHERE notification_id = p_notification_ids[i];
    r_outcome := v_outcome;
    RETURN NEXT;
  END LOOP;
END
$$;
