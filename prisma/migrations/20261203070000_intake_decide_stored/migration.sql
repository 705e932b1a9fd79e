-- Deciding a stored message later (issue 17): a webhook whose answer carries no reference code (the
-- SMS gateway's: the acknowledgement goes out through the phone's API) stores the submission and its
-- normalize job and nothing else; the job decides where the message goes, by the same rules and the
-- same SQL as a webhook that decides at once (intake_accept_message, restated here to share them).
--
-- intake_route: where a routable message goes (under its caller's advisory lock per contact: the tipster, the rate
-- count, a leading reference, the follow-up lookup, a new reference code, the acknowledgement's text
-- kept in meta). p_stored_at is NULL for a message not stored yet (the webhook's: counted as one
-- more, in the hour before now()) and the submission's received_at for a stored one (counted among
-- the hour's messages up to it; itself included).
-- intake_record_skip: what a message that makes no tip records besides its submission: an opt-out
-- or opt-in for STOP/START, and a keyword's answer keyed by its submission.
-- intake_decide_stored: the decision for a stored, undecided submission, written onto its row as
-- the webhook would have written it; a decided or finished submission is left as it is.

CREATE OR REPLACE FUNCTION intake_route(
  p_channel "Channel",
  p_contact_kind text,
  p_contact text,
  p_new boolean,
  p_reference text,
  p_rate_per_hour int,
  p_followup_days int,
  p_followup_cutoff timestamptz,
  p_day text,
  p_meta jsonb,
  p_ack jsonb,
  p_stored_at timestamptz)
RETURNS TABLE (route text, ref text, own_ref text, tip_id uuid, rate_limited boolean, opted_out boolean, meta jsonb, acked boolean)
LANGUAGE plpgsql AS $$
DECLARE
  v_ts uuid;
  v_opt boolean;
  v_recent int;
  v_tip uuid;
  v_next uuid;
  v_ref text;
  v_own_ref text;            -- the code this message opens (route 'new')
  v_route text;
  v_limited boolean;
  v_meta jsonb;
  v_acked boolean := false;
BEGIN
  -- The caller holds the contact's lock (pg_advisory_xact_lock(4104, hashtext(contact))).
  IF p_contact_kind = 'phone' THEN
    SELECT ts.id, ts.sms_opt_out INTO v_ts, v_opt FROM tipster ts WHERE ts.phone = p_contact;
  ELSE
    SELECT ts.id, ts.sms_opt_out INTO v_ts, v_opt FROM tipster ts WHERE ts.wechat_open_id = p_contact;
  END IF;

  -- Messages in the hour before this one on this channel, this one included.
  IF p_stored_at IS NULL THEN
    SELECT count(*) + 1 INTO v_recent FROM submission s
    WHERE s.sender = p_contact AND s.channel = p_channel AND s.received_at > now() - interval '1 hour';
  ELSE
    SELECT count(*) INTO v_recent FROM submission s
    WHERE s.sender = p_contact AND s.channel = p_channel AND s.received_at > p_stored_at - interval '1 hour'
      AND s.received_at <= p_stored_at;
  END IF;
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

  RETURN QUERY SELECT v_route, v_ref, v_own_ref, v_tip, v_limited, COALESCE(v_opt, false), v_meta, v_acked;
END $$;

CREATE OR REPLACE FUNCTION intake_record_skip(
  p_submission uuid,
  p_control text,
  p_contact_kind text,
  p_contact text,
  p_now timestamptz,
  p_ack jsonb)
RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
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
    VALUES (p_ack->>'job', jsonb_build_object('submissionId', p_submission::text, 'reply', p_control), (p_ack->>'maxAttempts')::int,
            (p_ack->>'controlPrefix') || p_submission::text)
    ON CONFLICT (unique_key) DO NOTHING;
    RETURN true;
  END IF;
  RETURN false;
END $$;

-- Why a message makes no tip (NULL: it routes): a keyword first, then a block, then the caller's reason.
CREATE OR REPLACE FUNCTION intake_skip_reason(p_control text, p_block_hashes text[], p_skip text)
RETURNS text
LANGUAGE sql STABLE AS $$
  SELECT CASE
    WHEN p_control IS NOT NULL THEN p_control || ' keyword'
    WHEN cardinality(p_block_hashes) > 0 AND EXISTS (SELECT 1 FROM contact_block b WHERE b.contact_hash = ANY(p_block_hashes)) THEN 'blocked sender'
    ELSE p_skip END
$$;

-- The webhooks' intake statement: as in 20261202174500_intake_accept_new_contact, its decision now in
-- the functions above.
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
  p_text text,               -- unused since the job makes the tip (kept: one signature for callers and migrations)
  p_language text,           -- unused likewise
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
  v_opt boolean;
  v_reason text;
  v_acked boolean;
  d record;
BEGIN
  IF p_contact_kind NOT IN ('phone', 'wechat') THEN
    RAISE EXCEPTION 'unknown contact kind "%"', p_contact_kind;
  END IF;
  v_reason := intake_skip_reason(p_control, p_block_hashes, p_skip);

  IF v_reason IS NOT NULL THEN
    INSERT INTO submission AS s (channel, external_id, params, meta, sender, size_bytes, state, last_error, processed_at)
    VALUES (p_channel, p_external_id, p_params, p_meta, p_contact, p_size, 'SKIPPED', v_reason, p_now)
    ON CONFLICT (channel, external_id) DO NOTHING
    RETURNING s.id INTO v_sub;
    IF v_sub IS NOT NULL THEN
      v_acked := intake_record_skip(v_sub, p_control, p_contact_kind, p_contact, p_now, p_ack);
      RETURN QUERY SELECT v_sub, true, NULL::text, NULL::text, NULL::uuid, false, false, 'SKIPPED'::text, v_reason, p_meta, v_acked;
      RETURN;
    END IF;
  ELSE
    -- Serialized per contact, so two quick messages from a new contact make one tip, not two
    -- (the same lock as routeByContact): the second sees the first's submission committed, and a
    -- redelivery racing its first delivery finds it stored (and takes no reference code).
    PERFORM pg_advisory_xact_lock(4104, hashtext(p_contact));
  END IF;
  IF v_reason IS NULL AND NOT EXISTS (SELECT 1 FROM submission s WHERE s.channel = p_channel AND s.external_id = p_external_id) THEN
    SELECT * INTO d FROM intake_route(p_channel, p_contact_kind, p_contact, p_new, p_reference, p_rate_per_hour, p_followup_days,
                                      p_followup_cutoff, p_day, p_meta, p_ack, NULL);
    INSERT INTO submission AS s (channel, external_id, params, meta, sender, size_bytes, tip_id, rate_limited, reference)
    VALUES (p_channel, p_external_id, p_params, d.meta, p_contact, p_size, d.tip_id, d.rate_limited, d.own_ref)
    ON CONFLICT (channel, external_id) DO NOTHING
    RETURNING s.id INTO v_sub;
    IF v_sub IS NOT NULL THEN
      INSERT INTO job (kind, payload, max_attempts) VALUES (p_job_kind, jsonb_build_object('submissionId', v_sub::text), p_job_max_attempts);
      RETURN QUERY SELECT v_sub, true, d.route, d.ref, d.tip_id, d.rate_limited, d.opted_out, 'RECEIVED'::text, NULL::text, d.meta, d.acked;
      RETURN;
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

-- A stored submission's decision, written onto its row (the job's twin of intake_accept_message).
-- Returns the row as intake_accept_message does; created is true when this call decided it.
CREATE OR REPLACE FUNCTION intake_decide_stored(
  p_submission uuid,
  p_contact_kind text,
  p_control text,
  p_new boolean,
  p_reference text,
  p_rate_per_hour int,
  p_followup_days int,
  p_followup_cutoff timestamptz,
  p_now timestamptz,
  p_day text,
  p_block_hashes text[],
  p_skip text,
  p_ack jsonb)
RETURNS TABLE (submission_id uuid, created boolean, route text, reference text, tip_id uuid, rate_limited boolean, opted_out boolean,
               state text, reason text, meta jsonb, acked boolean)
LANGUAGE plpgsql AS $$
DECLARE
  v_row submission%ROWTYPE;
  v_reason text;
  v_acked boolean;
  d record;
BEGIN
  IF p_contact_kind NOT IN ('phone', 'wechat') THEN
    RAISE EXCEPTION 'unknown contact kind "%"', p_contact_kind;
  END IF;
  -- The decision is derived from what is durable already (the submission), and whatever follows
  -- it (the tip, the acknowledgement) commits synchronously later, which flushes the WAL up to and
  -- past this commit. Lost in a crash, the submission is simply undecided again and its retried
  -- job decides it anew (a new code at worst, a gap). So this commit does not wait for the disk:
  -- a drain's jobs would otherwise each wait for one more flush.
  PERFORM set_config('synchronous_commit', 'off', true);
  SELECT * INTO v_row FROM submission s WHERE s.id = p_submission FOR UPDATE;
  IF NOT FOUND THEN
    RETURN;
  END IF;
  IF v_row.state <> 'RECEIVED' OR COALESCE(v_row.meta ? 'route', false) OR v_row.sender IS NULL THEN
    RETURN QUERY SELECT v_row.id, false, v_row.meta->>'route', COALESCE(v_row.reference, v_row.meta->>'pendingReference'), v_row.tip_id,
                        v_row.rate_limited, false, v_row.state::text, v_row.last_error, v_row.meta, false;
    RETURN;
  END IF;

  v_reason := intake_skip_reason(p_control, p_block_hashes, p_skip);
  IF v_reason IS NOT NULL THEN
    UPDATE submission s SET state = 'SKIPPED', last_error = v_reason, processed_at = p_now WHERE s.id = p_submission;
    v_acked := intake_record_skip(p_submission, p_control, p_contact_kind, v_row.sender, p_now, p_ack);
    RETURN QUERY SELECT p_submission, true, NULL::text, NULL::text, NULL::uuid, false, false, 'SKIPPED'::text, v_reason, v_row.meta, v_acked;
    RETURN;
  END IF;

  PERFORM pg_advisory_xact_lock(4104, hashtext(v_row.sender));
  SELECT * INTO d FROM intake_route(v_row.channel, p_contact_kind, v_row.sender, p_new, p_reference, p_rate_per_hour, p_followup_days,
                                    p_followup_cutoff, p_day, v_row.meta, p_ack, v_row.received_at);
  UPDATE submission s SET meta = d.meta, tip_id = d.tip_id, rate_limited = d.rate_limited, reference = d.own_ref WHERE s.id = p_submission;
  RETURN QUERY SELECT p_submission, true, d.route, d.ref, d.tip_id, d.rate_limited, d.opted_out, 'RECEIVED'::text, NULL::text, d.meta, d.acked;
END $$;
