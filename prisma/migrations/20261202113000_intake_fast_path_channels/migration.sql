-- The intake fast path for every messaging webhook (issue 17): the SMS gateway and WeChat call
-- intake_accept_message too. What it gains over 20261202080000_intake_fast_path:
--   p_block_hashes  the contact_block hashes of the sender (src/privacy/contact.ts contactHash):
--                   a blocked sender's message is stored SKIPPED 'blocked sender', no tip, no job
--                   (STOP/START/HELP are still keywords: a blocked number may opt out);
--   p_skip          a reason to record the message without a tip (WeChat events, unsupported
--                   message types): SKIPPED with that reason, processed, no job;
--   p_ack           the acknowledgement to queue in the same transaction, when the channel cannot
--                   answer in the webhook's response (the SMS gateway's REST API; WeChat's
--                   customer-service message when the passive reply would be late). NULL: none.
--                   {"job": kind, "maxAttempts": n, "channel": "SMS_GATEWAY", "to": address,
--                    "new": text, "followup": text ("{ref}" in a text is the reference code),
--                    "uniquePrefix": job unique key prefix (+ the message id),
--                    "controlPrefix": unique key prefix (+ the submission id) of a keyword's
--                    answer, job payload {"submissionId", "reply"}; absent: keywords get none,
--                    "smsOptOut": false when an SMS opt-out does not silence it (WeChat),
--                    "meta": merged into submission.meta when the acknowledgement is queued}
--                   A new tip or follow-up's acknowledgement is an OUTBOUND message (QUEUED,
--                   kind 'ack') on the tip and a job {"messageId"}; none for a rate-limited or
--                   (unless "smsOptOut" is false) an opted-out contact.
-- It also returns the submission's state, its reason (last_error), its meta and whether an
-- acknowledgement was queued, so a redelivery is answered exactly as the first delivery was.

DROP FUNCTION intake_accept_message("Channel", text, jsonb, jsonb, int, text, text, text, boolean, text, text, text, int, int, timestamptz, timestamptz, text, text, int);

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
  v_route text;
  v_limited boolean;
  v_reason text;
  v_msg uuid;
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
  INSERT INTO submission AS s (channel, external_id, params, meta, sender, size_bytes, state, last_error, processed_at)
  VALUES (p_channel, p_external_id, p_params, p_meta, p_contact, p_size,
          (CASE WHEN v_reason IS NULL THEN 'RECEIVED' ELSE 'SKIPPED' END)::"SubmissionState", v_reason,
          CASE WHEN v_reason IS NULL THEN NULL ELSE p_now END)
  ON CONFLICT (channel, external_id) DO NOTHING
  RETURNING s.id INTO v_sub;

  IF v_sub IS NULL THEN
    -- A redelivery: report what the first delivery stored (it has committed: ON CONFLICT waited).
    IF p_contact_kind = 'phone' THEN
      SELECT ts.sms_opt_out INTO v_opt FROM tipster ts WHERE ts.phone = p_contact;
    ELSE
      SELECT ts.sms_opt_out INTO v_opt FROM tipster ts WHERE ts.wechat_open_id = p_contact;
    END IF;
    RETURN QUERY
      SELECT s.id, false, s.meta->>'route', t.reference, s.tip_id, s.rate_limited, COALESCE(v_opt, false),
             s.state::text, s.last_error, s.meta, false
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
    -- A keyword's answer keyed by its submission (there is no tip to thread it on).
    IF p_ack ? 'controlPrefix' THEN
      INSERT INTO job (kind, payload, max_attempts, unique_key)
      VALUES (p_ack->>'job', jsonb_build_object('submissionId', v_sub::text, 'reply', p_control), (p_ack->>'maxAttempts')::int,
              (p_ack->>'controlPrefix') || v_sub::text)
      ON CONFLICT (unique_key) DO NOTHING;
      v_acked := true;
    END IF;
  END IF;
  IF v_reason IS NOT NULL THEN
    RETURN QUERY SELECT v_sub, true, NULL::text, NULL::text, NULL::uuid, false, false, 'SKIPPED'::text, v_reason, p_meta, v_acked;
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
    WHERE t.id IN (SELECT x.id FROM tip x WHERE x.tipster_id = v_ts UNION SELECT tt.tip_id FROM tip_tipster tt WHERE tt.tipster_id = v_ts)
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

  -- The acknowledgement the webhook's answer cannot carry; floods and opted-out contacts get none.
  IF p_ack IS NOT NULL AND NOT v_limited AND p_ack ? 'new'
     AND NOT (COALESCE(v_opt, false) AND COALESCE((p_ack->>'smsOptOut')::boolean, true)) THEN
    INSERT INTO message (tip_id, direction, channel, body, to_address, delivery_state, kind)
    VALUES (v_tip, 'OUTBOUND', (p_ack->>'channel')::"Channel",
            replace(p_ack->>(CASE WHEN v_route = 'new' THEN 'new' ELSE 'followup' END), '{ref}', v_ref),
            p_ack->>'to', 'QUEUED', 'ack')
    RETURNING id INTO v_msg;
    INSERT INTO job (kind, payload, max_attempts, unique_key)
    VALUES (p_ack->>'job', jsonb_build_object('messageId', v_msg::text), (p_ack->>'maxAttempts')::int, (p_ack->>'uniquePrefix') || v_msg::text);
    v_acked := true;
  END IF;

  UPDATE submission s SET tip_id = v_tip, rate_limited = v_limited,
    meta = COALESCE(s.meta, '{}'::jsonb) || jsonb_build_object('route', v_route) || CASE WHEN v_acked THEN COALESCE(p_ack->'meta', '{}'::jsonb) ELSE '{}'::jsonb END
  WHERE s.id = v_sub;
  RETURN QUERY SELECT v_sub, true, v_route, v_ref, v_tip, v_limited, COALESCE(v_opt, false), 'RECEIVED'::text, NULL::text,
    p_meta || jsonb_build_object('route', v_route), v_acked;
END $$;

-- The web form's post in one statement and one durable commit (it routes by no contact, so it has
-- its own function): the submission (idempotent on the Idempotency-Key's hash), the block check of
-- the contacts left on the form (a blocked sender's post is kept SKIPPED with a decoy reference and
-- no contact, like a honeypot post), its normalize job, for a new tip the tip row with the day's
-- next reference code and the status link, and the photos' attachment rows with their bytes.
-- Replaces a reference taken from the tip_reference_counter row and a Prisma transaction of about
-- eight round trips.

CREATE FUNCTION intake_accept_web(
  p_external_id text,
  p_params jsonb,
  p_sender text,
  p_size int,
  p_block_hashes text[],
  p_decoy text,              -- the answer to a blocked sender (a reference no tip will have)
  p_tip_id uuid,             -- a follow-up's tip; NULL: a new tip
  p_body text,
  p_location text,
  p_language text,
  p_status_key_hash text,    -- a new tip's status link (SHA-256 of its key)
  p_photo_names text[],
  p_photo_types text[],
  p_photo_sizes int[],
  p_photo_sha256 text[],
  p_photo_data bytea[],
  p_now timestamptz,
  p_day text,
  p_job_kind text,
  p_job_max_attempts int)
RETURNS TABLE (submission_id uuid, created boolean, reference text, tip_id uuid, meta jsonb)
LANGUAGE plpgsql AS $$
DECLARE
  v_sub uuid;
  v_tip uuid := p_tip_id;
  v_ref text;
  v_att uuid;
  v_meta jsonb;
BEGIN
  IF p_tip_id IS NULL AND cardinality(p_block_hashes) > 0
     AND EXISTS (SELECT 1 FROM contact_block b WHERE b.contact_hash = ANY(p_block_hashes)) THEN
    v_meta := jsonb_build_object('route', 'honeypot', 'reference', p_decoy);
    INSERT INTO submission AS s (channel, external_id, params, meta, sender, size_bytes, state, last_error)
    VALUES ('WEB', p_external_id, p_params, v_meta, NULL, 0, 'SKIPPED', 'blocked sender')
    ON CONFLICT (channel, external_id) DO NOTHING
    RETURNING s.id INTO v_sub;
    IF v_sub IS NOT NULL THEN
      RETURN QUERY SELECT v_sub, true, p_decoy, NULL::uuid, v_meta;
      RETURN;
    END IF;
  ELSE
    v_meta := jsonb_build_object('route', CASE WHEN p_tip_id IS NULL THEN 'new' ELSE 'followup' END);
    INSERT INTO submission AS s (channel, external_id, params, meta, sender, size_bytes, tip_id)
    VALUES ('WEB', p_external_id, p_params, v_meta, p_sender, p_size, p_tip_id)
    ON CONFLICT (channel, external_id) DO NOTHING
    RETURNING s.id INTO v_sub;
  END IF;

  IF v_sub IS NULL THEN
    -- A retried post (same Idempotency-Key): what the first one stored (it has committed: ON CONFLICT waited).
    RETURN QUERY
      SELECT s.id, false, COALESCE(t.reference, s.meta->>'reference'), s.tip_id, s.meta
      FROM submission s LEFT JOIN tip t ON t.id = s.tip_id
      WHERE s.channel = 'WEB' AND s.external_id = p_external_id;
    RETURN;
  END IF;

  INSERT INTO job (kind, payload, max_attempts) VALUES (p_job_kind, jsonb_build_object('submissionId', v_sub::text), p_job_max_attempts);

  IF p_tip_id IS NULL THEN
    v_ref := tip_reference_next(p_day);
    INSERT INTO tip (reference, channel, body, location, language, search_text, created_at, last_activity_at)
    VALUES (v_ref, 'WEB', p_body, p_location, p_language,
            left(concat_ws(E'\n', v_ref, NULLIF(p_location, ''), NULLIF(p_body, '')), 20000), p_now, p_now)
    RETURNING id INTO v_tip;
    UPDATE submission s SET tip_id = v_tip WHERE s.id = v_sub;
    INSERT INTO web_status_link (key_hash, tip_id, submission_id) VALUES (p_status_key_hash, v_tip, v_sub);
  END IF;

  -- The n-th photo is dated n ms after the post, so the dashboard lists them in upload order;
  -- its message is set by the normalize job.
  FOR i IN 1..COALESCE(cardinality(p_photo_data), 0) LOOP
    INSERT INTO attachment (tip_id, submission_id, filename, content_type, size, sha256, kind, source_key, state, dangerous, created_at)
    VALUES (v_tip, v_sub, p_photo_names[i], p_photo_types[i], p_photo_sizes[i], p_photo_sha256[i], 'image',
            'photo:' || (i - 1), 'STORED', false, p_now + make_interval(secs => (i - 1) / 1000.0))
    RETURNING id INTO v_att;
    INSERT INTO attachment_blob (attachment_id, data) VALUES (v_att, p_photo_data[i]);
  END LOOP;

  RETURN QUERY SELECT v_sub, true, v_ref, v_tip, v_meta;
END $$;
