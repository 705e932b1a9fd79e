-- The webhooks' intake statement (intake_accept_message, as in 20261202140507_intake_webhook_tipless)
-- without the tip table for a contact that has no tipster row yet (issue 17).
--
-- plpgsql plans the follow-up lookup afresh on each call (a custom plan: its parameters are the
-- contact's), and planning a query that names `tip` opens and locks every one of tip's seventeen
-- indexes, and tip_tipster's, even when `v_ts IS NOT NULL` is false and the branch returns nothing.
-- A new contact (a storm's senders, and every request of bench:webhooks) took 47 relation locks
-- per statement, 31 of them past the backend's 16 fast-path slots, through the shared lock table;
-- measured alone, about 1.25 ms of the server's CPU per statement. A contact without a tipster row
-- has no tips (the normalize job makes the tipster with its first tip), so for it the lookup reads
-- only its own pending submissions: 27 locks, about 0.7 ms. The result is the same: for such a
-- contact the tip branch of the union returned no row. A contact with a tipster row takes the union
-- as before (one query, one snapshot).

CREATE OR REPLACE FUNCTION intake_accept_message(
  p_channel "Channel",
  p_external_id text,
  p_params jsonb,
  p_meta jsonb,
  p_size int,
  p_contact_kind text,       -- 'phone' | 'wechat'
  p_contact text,
  p_control text,            -- 'stop' | 'start' | 'help' | NULL: recorded, no tip, no job
  p_new boolean,             -- NEW/新: always a new tip
  p_reference text,          -- a leading reference code addressing a tip, or NULL
  p_text text,               -- the new tip's text (after NEW/新); unused since the job makes the tip
  p_language text,           -- unused likewise (kept: one signature for callers and migrations)
  p_rate_per_hour int,
  p_followup_days int,
  p_followup_cutoff timestamptz,
  p_now timestamptz,
  p_day text,
  p_job_kind text,
  p_job_max_attempts int,
  p_block_hashes text[],
  p_skip text,
  p_ack jsonb)
RETURNS TABLE (submission_id uuid, created boolean, route text, reference text, tip_id uuid, rate_limited boolean, opted_out boolean,
               state text, reason text, meta jsonb, acked boolean)
LANGUAGE plpgsql AS $$
DECLARE
  v_sub uuid;
  v_ts uuid;
  v_opt boolean;
  v_recent int;
  v_tip uuid;
  v_next uuid;
  v_ref text;
  v_own_ref text;            -- the code this submission opens (route 'new')
  v_route text;
  v_limited boolean;
  v_reason text;
  v_meta jsonb;
  v_acked boolean := false;
BEGIN
  IF p_contact_kind NOT IN ('phone', 'wechat') THEN
    RAISE EXCEPTION 'unknown contact kind "%"', p_contact_kind;
  END IF;
  -- Why the message makes no tip (NULL: it routes). A keyword first, then a block, then the caller's reason.
  v_reason := CASE
    WHEN p_control IS NOT NULL THEN p_control || ' keyword'
    WHEN cardinality(p_block_hashes) > 0 AND EXISTS (SELECT 1 FROM contact_block b WHERE b.contact_hash = ANY(p_block_hashes)) THEN 'blocked sender'
    ELSE p_skip END;

  IF v_reason IS NOT NULL THEN
    INSERT INTO submission AS s (channel, external_id, params, meta, sender, size_bytes, state, last_error, processed_at)
    VALUES (p_channel, p_external_id, p_params, p_meta, p_contact, p_size, 'SKIPPED', v_reason, p_now)
    ON CONFLICT (channel, external_id) DO NOTHING
    RETURNING s.id INTO v_sub;
    IF v_sub IS NOT NULL THEN
      IF p_control IN ('stop', 'start') THEN
        IF p_contact_kind = 'phone' THEN
          INSERT INTO tipster (phone, sms_opt_out, opt_out_at) VALUES (p_contact, p_control = 'stop', CASE WHEN p_control = 'stop' THEN p_now END)
          ON CONFLICT (phone) DO UPDATE SET sms_opt_out = EXCLUDED.sms_opt_out, opt_out_at = EXCLUDED.opt_out_at;
        ELSE
          INSERT INTO tipster (wechat_open_id, sms_opt_out, opt_out_at) VALUES (p_contact, p_control = 'stop', CASE WHEN p_control = 'stop' THEN p_now END)
          ON CONFLICT (wechat_open_id) DO UPDATE SET sms_opt_out = EXCLUDED.sms_opt_out, opt_out_at = EXCLUDED.opt_out_at;
        END IF;
      END IF;
      -- A keyword's answer keyed by its submission (there is no tip to thread it on).
      IF p_control IS NOT NULL AND p_ack ? 'controlPrefix' THEN
        INSERT INTO job (kind, payload, max_attempts, unique_key)
        VALUES (p_ack->>'job', jsonb_build_object('submissionId', v_sub::text, 'reply', p_control), (p_ack->>'maxAttempts')::int,
                (p_ack->>'controlPrefix') || v_sub::text)
        ON CONFLICT (unique_key) DO NOTHING;
        v_acked := true;
      END IF;
      RETURN QUERY SELECT v_sub, true, NULL::text, NULL::text, NULL::uuid, false, false, 'SKIPPED'::text, v_reason, p_meta, v_acked;
      RETURN;
    END IF;
  ELSE
    -- Serialized per contact, so two quick messages from a new contact make one tip, not two
    -- (the same lock as routeByContact): the second sees the first's submission committed.
    PERFORM pg_advisory_xact_lock(4104, hashtext(p_contact));
    IF NOT EXISTS (SELECT 1 FROM submission s WHERE s.channel = p_channel AND s.external_id = p_external_id) THEN
      IF p_contact_kind = 'phone' THEN
        SELECT ts.id, ts.sms_opt_out INTO v_ts, v_opt FROM tipster ts WHERE ts.phone = p_contact;
      ELSE
        SELECT ts.id, ts.sms_opt_out INTO v_ts, v_opt FROM tipster ts WHERE ts.wechat_open_id = p_contact;
      END IF;

      -- Messages in the last hour on this channel, this one included.
      SELECT count(*) + 1 INTO v_recent FROM submission s
      WHERE s.sender = p_contact AND s.channel = p_channel AND s.received_at > now() - interval '1 hour';
      v_limited := v_recent > p_rate_per_hour;

      IF NOT p_new AND p_reference IS NOT NULL THEN
        -- The tip with that code, or the submission still making it (one query: one snapshot).
        SELECT c.id, c.ref INTO v_tip, v_ref FROM (
          SELECT t.id, t.reference AS ref FROM tip t WHERE t.reference = p_reference
          UNION ALL
          SELECT NULL::uuid, s.reference FROM submission s WHERE s.reference = p_reference AND s.tip_id IS NULL AND s.state = 'RECEIVED'
        ) c LIMIT 1;
        IF FOUND THEN
          -- Follow merges like resolveMerged (at most 10 hops).
          FOR i IN 1..10 LOOP
            EXIT WHEN v_tip IS NULL;
            SELECT t.merged_into_id INTO v_next FROM tip t WHERE t.id = v_tip;
            EXIT WHEN v_next IS NULL;
            v_tip := v_next;
            SELECT t.reference INTO v_ref FROM tip t WHERE t.id = v_tip;
          END LOOP;
          v_route := 'reference';
        END IF;
      END IF;

      IF v_route IS NULL AND NOT p_new AND p_followup_days > 0 THEN
        -- The newest of: the contact's open tips, and the tip its own earlier message opened that
        -- the normalize job has not made yet. Newest by creation, not by last activity (the
        -- normalize job bumps activity); a pending tip is created at its submission's arrival.
        IF v_ts IS NULL THEN
          -- A contact without a tipster row has no tips: only a tip its own earlier message opened that
          -- the normalize job has not made yet. (The query below names the tip table: planning it,
          -- which plpgsql does on each call, opens and locks every one of tip's seventeen indexes.)
          SELECT s.reference INTO v_ref FROM submission s
          WHERE s.sender = p_contact AND s.reference IS NOT NULL AND s.tip_id IS NULL AND s.state = 'RECEIVED'
            AND s.received_at >= p_followup_cutoff
          ORDER BY s.received_at DESC LIMIT 1;
        ELSE
          SELECT c.id, c.ref INTO v_tip, v_ref FROM (
            SELECT t.id, t.reference AS ref, t.created_at AS at FROM tip t
            WHERE t.id IN (SELECT x.id FROM tip x WHERE x.tipster_id = v_ts UNION SELECT tt.tip_id FROM tip_tipster tt WHERE tt.tipster_id = v_ts)
              AND t.status NOT IN ('PUBLISHED', 'DISMISSED', 'MERGED')
              AND t.last_activity_at >= p_followup_cutoff
            UNION ALL
            SELECT NULL::uuid, s.reference, s.received_at FROM submission s
            WHERE s.sender = p_contact AND s.reference IS NOT NULL AND s.tip_id IS NULL AND s.state = 'RECEIVED'
              AND s.received_at >= p_followup_cutoff
          ) c ORDER BY c.at DESC LIMIT 1;
        END IF;
        IF FOUND THEN
          v_route := 'followup';
        END IF;
      END IF;

      IF v_route IS NULL THEN
        v_ref := tip_reference_next(p_day);
        v_own_ref := v_ref;
        v_route := 'new';
      END IF;

      v_meta := COALESCE(p_meta, '{}'::jsonb) || jsonb_build_object('route', v_route)
        || CASE WHEN v_route <> 'new' AND v_tip IS NULL THEN jsonb_build_object('pendingReference', v_ref) ELSE '{}'::jsonb END;
      -- The acknowledgement the webhook's answer cannot carry, queued by the normalize job with the
      -- tip's message; floods and opted-out contacts get none.
      IF p_ack IS NOT NULL AND NOT v_limited AND p_ack ? 'new'
         AND NOT (COALESCE(v_opt, false) AND COALESCE((p_ack->>'smsOptOut')::boolean, true)) THEN
        v_meta := v_meta || jsonb_build_object('ack', jsonb_build_object(
            'job', p_ack->>'job', 'maxAttempts', (p_ack->>'maxAttempts')::int, 'channel', p_ack->>'channel',
            'uniquePrefix', p_ack->>'uniquePrefix',
            'body', replace(p_ack->>(CASE WHEN v_route = 'new' THEN 'new' ELSE 'followup' END), '{ref}', v_ref)))
          || COALESCE(p_ack->'meta', '{}'::jsonb);
        v_acked := true;
      END IF;

      INSERT INTO submission AS s (channel, external_id, params, meta, sender, size_bytes, tip_id, rate_limited, reference)
      VALUES (p_channel, p_external_id, p_params, v_meta, p_contact, p_size, v_tip, v_limited, v_own_ref)
      ON CONFLICT (channel, external_id) DO NOTHING
      RETURNING s.id INTO v_sub;
      IF v_sub IS NOT NULL THEN
        INSERT INTO job (kind, payload, max_attempts) VALUES (p_job_kind, jsonb_build_object('submissionId', v_sub::text), p_job_max_attempts);
        RETURN QUERY SELECT v_sub, true, v_route, v_ref, v_tip, v_limited, COALESCE(v_opt, false), 'RECEIVED'::text, NULL::text, v_meta, v_acked;
        RETURN;
      END IF;
    END IF;
  END IF;

  -- A redelivery: report what the first delivery stored (it has committed: ON CONFLICT waited).
  IF p_contact_kind = 'phone' THEN
    SELECT ts.sms_opt_out INTO v_opt FROM tipster ts WHERE ts.phone = p_contact;
  ELSE
    SELECT ts.sms_opt_out INTO v_opt FROM tipster ts WHERE ts.wechat_open_id = p_contact;
  END IF;
  RETURN QUERY
    SELECT s.id, false, s.meta->>'route', COALESCE(t.reference, s.reference, s.meta->>'pendingReference'), s.tip_id, s.rate_limited,
           COALESCE(v_opt, false), s.state::text, s.last_error, s.meta, false
    FROM submission s LEFT JOIN tip t ON t.id = s.tip_id
    WHERE s.channel = p_channel AND s.external_id = p_external_id;
END $$;
