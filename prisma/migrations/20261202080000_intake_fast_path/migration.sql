-- Intake at the speed of the database (issue 17).
--
-- 1. Reference codes without a hot row. The day's counter was one row in
--    tip_reference_counter whose lock was held until commit (through the disk flush), so every
--    new tip of a day waited for the one before it. A SEQUENCE per day hands out numbers without
--    any lock held to commit: nextval() is never rolled back, so a rolled-back tip leaves a gap,
--    and after a server crash the sequence may jump by up to 32 (it logs ahead) — never a
--    duplicate, because a tip that uses a number commits durably and that flushes the
--    sequence's log record too. tip_reference_counter stays: a new day's sequence starts above
--    it and above any reference already made for that day (codes made before this migration).

CREATE FUNCTION tip_reference_sequence(p_day text) RETURNS regclass
LANGUAGE plpgsql AS $$
DECLARE
  seq text := 'tip_reference_' || p_day;
  found_oid oid;
  start bigint;
BEGIN
  IF p_day !~ '^\d{6}$' THEN
    RAISE EXCEPTION 'reference day "%" is not YYMMDD', p_day;
  END IF;
  found_oid := to_regclass(seq);
  IF found_oid IS NOT NULL THEN
    RETURN found_oid;
  END IF;
  -- First tip of a day: creators queue here (once a day, for a moment).
  PERFORM pg_advisory_xact_lock(4105, p_day::int);
  SELECT 1 + GREATEST(
      COALESCE((SELECT last FROM tip_reference_counter WHERE day = p_day), 0),
      COALESCE((SELECT max(substring(reference FROM 10)::bigint) FROM tip WHERE reference ~ ('^T-' || p_day || '-\d+$')), 0))
    INTO start;
  BEGIN
    EXECUTE format('CREATE SEQUENCE IF NOT EXISTS %I START WITH %s', seq, start);
  EXCEPTION WHEN unique_violation OR duplicate_table THEN
    -- Another transaction made it while we waited for the lock: use theirs.
    NULL;
  END;
  -- Read pg_class itself: this backend's name cache may still remember "no such sequence".
  SELECT c.oid INTO found_oid FROM pg_class c
  WHERE c.relname = seq AND c.relnamespace = current_schema()::regnamespace AND c.relkind = 'S';
  RETURN found_oid;
END $$;

-- The next reference code of a day: T-YYMMDD-NNNN (four digits at least, more after 9999).
CREATE FUNCTION tip_reference_next(p_day text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
  n bigint := nextval(tip_reference_sequence(p_day));
BEGIN
  RETURN 'T-' || p_day || '-' || CASE WHEN n < 10000 THEN lpad(n::text, 4, '0') ELSE n::text END;
END $$;

-- 2. A message from a contact (an SMS number, a WeChat OpenID) accepted in one statement: the
--    submission (idempotent on channel + external id), its normalization job, the tipster, the
--    routing decision (reference code, open tip within the follow-up window, or a new tip with
--    its reference) and the submission's link to the tip. It is one round trip and one
--    transaction committed durably before the webhook answers; the job's NOTIFY is sent by the
--    caller after the commit (a NOTIFY inside the transaction takes a cluster-wide lock held
--    through the commit's disk flush, which serialized every webhook).
--    The same decisions as src/tips/routing.ts routeByContact (which the normalize job and other
--    paths still use); test/twilio keeps the two in step.

CREATE FUNCTION intake_accept_message(
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
  p_text text,               -- the new tip's text (after NEW/新)
  p_language text,
  p_rate_per_hour int,
  p_followup_days int,
  p_followup_cutoff timestamptz,
  p_now timestamptz,
  p_day text,
  p_job_kind text,
  p_job_max_attempts int)
RETURNS TABLE (submission_id uuid, created boolean, route text, reference text, tip_id uuid, rate_limited boolean, opted_out boolean)
LANGUAGE plpgsql AS $$
DECLARE
  v_sub uuid;
  v_ts uuid;
  v_opt boolean;
  v_recent int;
  v_tip uuid;
  v_next uuid;
  v_ref text;
  v_route text;
  v_limited boolean;
BEGIN
  IF p_contact_kind NOT IN ('phone', 'wechat') THEN
    RAISE EXCEPTION 'unknown contact kind "%"', p_contact_kind;
  END IF;
  INSERT INTO submission (channel, external_id, params, meta, sender, size_bytes, state, last_error)
  VALUES (p_channel, p_external_id, p_params, p_meta, p_contact, p_size,
          (CASE WHEN p_control IS NULL THEN 'RECEIVED' ELSE 'SKIPPED' END)::"SubmissionState",
          CASE WHEN p_control IS NULL THEN NULL ELSE p_control || ' keyword' END)
  ON CONFLICT (channel, external_id) DO NOTHING
  RETURNING id INTO v_sub;

  IF v_sub IS NULL THEN
    -- A redelivery: report what the first delivery stored (it has committed: ON CONFLICT waited).
    IF p_contact_kind = 'phone' THEN
      SELECT ts.sms_opt_out INTO v_opt FROM tipster ts WHERE ts.phone = p_contact;
    ELSE
      SELECT ts.sms_opt_out INTO v_opt FROM tipster ts WHERE ts.wechat_open_id = p_contact;
    END IF;
    RETURN QUERY
      SELECT s.id, false, s.meta->>'route', t.reference, s.tip_id, s.rate_limited, COALESCE(v_opt, false)
      FROM submission s LEFT JOIN tip t ON t.id = s.tip_id
      WHERE s.channel = p_channel AND s.external_id = p_external_id;
    RETURN;
  END IF;

  IF p_control IS NOT NULL THEN
    IF p_control IN ('stop', 'start') THEN
      IF p_contact_kind = 'phone' THEN
        INSERT INTO tipster (phone, sms_opt_out, opt_out_at) VALUES (p_contact, p_control = 'stop', CASE WHEN p_control = 'stop' THEN p_now END)
        ON CONFLICT (phone) DO UPDATE SET sms_opt_out = EXCLUDED.sms_opt_out, opt_out_at = EXCLUDED.opt_out_at;
      ELSE
        INSERT INTO tipster (wechat_open_id, sms_opt_out, opt_out_at) VALUES (p_contact, p_control = 'stop', CASE WHEN p_control = 'stop' THEN p_now END)
        ON CONFLICT (wechat_open_id) DO UPDATE SET sms_opt_out = EXCLUDED.sms_opt_out, opt_out_at = EXCLUDED.opt_out_at;
      END IF;
    END IF;
    UPDATE submission SET processed_at = p_now WHERE id = v_sub;
    RETURN QUERY SELECT v_sub, true, NULL::text, NULL::text, NULL::uuid, false, false;
    RETURN;
  END IF;

  INSERT INTO job (kind, payload, max_attempts) VALUES (p_job_kind, jsonb_build_object('submissionId', v_sub::text), p_job_max_attempts);

  -- Serialized per contact, so two quick messages from a new contact make one tip, not two
  -- (the same lock as routeByContact).
  PERFORM pg_advisory_xact_lock(4104, hashtext(p_contact));
  IF p_contact_kind = 'phone' THEN
    SELECT ts.id, ts.sms_opt_out INTO v_ts, v_opt FROM tipster ts WHERE ts.phone = p_contact;
    IF NOT FOUND THEN
      INSERT INTO tipster (phone) VALUES (p_contact) ON CONFLICT DO NOTHING RETURNING id, sms_opt_out INTO v_ts, v_opt;
      IF v_ts IS NULL THEN
        SELECT ts.id, ts.sms_opt_out INTO v_ts, v_opt FROM tipster ts WHERE ts.phone = p_contact;
      END IF;
    END IF;
  ELSE
    SELECT ts.id, ts.sms_opt_out INTO v_ts, v_opt FROM tipster ts WHERE ts.wechat_open_id = p_contact;
    IF NOT FOUND THEN
      INSERT INTO tipster (wechat_open_id) VALUES (p_contact) ON CONFLICT DO NOTHING RETURNING id, sms_opt_out INTO v_ts, v_opt;
      IF v_ts IS NULL THEN
        SELECT ts.id, ts.sms_opt_out INTO v_ts, v_opt FROM tipster ts WHERE ts.wechat_open_id = p_contact;
      END IF;
    END IF;
  END IF;

  -- Messages in the last hour on this channel, this one included.
  SELECT count(*) INTO v_recent FROM submission s
  WHERE s.sender = p_contact AND s.channel = p_channel AND s.received_at > now() - interval '1 hour';
  v_limited := v_recent > p_rate_per_hour;

  IF NOT p_new AND p_reference IS NOT NULL THEN
    SELECT t.id INTO v_tip FROM tip t WHERE t.reference = p_reference;
    IF FOUND THEN
      -- Follow merges like resolveMerged (at most 10 hops).
      FOR i IN 1..10 LOOP
        SELECT t.merged_into_id INTO v_next FROM tip t WHERE t.id = v_tip;
        EXIT WHEN v_next IS NULL;
        v_tip := v_next;
      END LOOP;
      SELECT t.reference INTO v_ref FROM tip t WHERE t.id = v_tip;
      v_route := 'reference';
    END IF;
  END IF;

  IF v_route IS NULL AND NOT p_new AND p_followup_days > 0 THEN
    -- Newest by creation, not by last activity (the normalize job bumps activity).
    SELECT t.id, t.reference INTO v_tip, v_ref FROM tip t
    WHERE (t.tipster_id = v_ts OR t.id IN (SELECT tt.tip_id FROM tip_tipster tt WHERE tt.tipster_id = v_ts))
      AND t.status NOT IN ('PUBLISHED', 'DISMISSED', 'MERGED')
      AND t.last_activity_at >= p_followup_cutoff
    ORDER BY t.created_at DESC LIMIT 1;
    IF FOUND THEN
      v_route := 'followup';
    END IF;
  END IF;

  IF v_route IS NULL THEN
    v_ref := tip_reference_next(p_day);
    INSERT INTO tip (reference, channel, body, language, tipster_id, search_text, created_at, last_activity_at)
    VALUES (v_ref, p_channel, p_text, p_language, v_ts,
            CASE WHEN p_text = '' THEN v_ref ELSE left(v_ref || E'\n' || p_text, 20000) END, p_now, p_now)
    RETURNING id INTO v_tip;
    v_route := 'new';
  END IF;

  UPDATE submission SET tip_id = v_tip, rate_limited = v_limited,
    meta = COALESCE(meta, '{}'::jsonb) || jsonb_build_object('route', v_route)
  WHERE id = v_sub;
  RETURN QUERY SELECT v_sub, true, v_route, v_ref, v_tip, v_limited, COALESCE(v_opt, false);
END $$;
