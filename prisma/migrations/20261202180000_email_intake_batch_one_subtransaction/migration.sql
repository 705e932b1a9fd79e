-- email_intake_batch with one subtransaction per batch instead of one per message.
--
-- Each message ran in a subtransaction of its own (so one that fails is rolled back alone). A batch
-- is up to 250 messages, and a transaction with more than 64 subtransactions overflows PostgreSQL's
-- per-backend cache of them: while it runs, every other session's snapshot must look its rows'
-- transaction ids up in pg_subtrans (the claims, the readings, the next batch), and each
-- subtransaction costs its own transaction id and bookkeeping. Now the batch is first tried in ONE
-- subtransaction; only when a message fails in it is the batch rolled back to that point and run again
-- with a subtransaction per message, exactly as before (the failing one reported 'failed', the
-- rest written). The work per message, unchanged, moves into email_intake_one; the outcomes and the
-- caller (src/channels/email/email.batch.ts) are the same. See 20261202140000_email_intake_batch.

-- One message of the batch (p_row: one element of email_intake_batch's p_rows): what the loop of
-- email_intake_batch did for it. Raises on failure; the caller's subtransaction rolls it back.
CREATE FUNCTION email_intake_one(
  p_row jsonb,
  p_atts jsonb,
  p_blobs bytea[],
  p_now timestamptz,
  p_blocked_reason text,
  p_read_job text,
  OUT o_outcome text,
  OUT o_tip uuid,
  OUT o_ref text,
  OUT o_desk bigint)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
  r record;
  v_state text;
  v_at timestamptz;
  v_ts uuid;
  v_named text;
  v_tip uuid;
  v_next uuid;
  v_ref text;
  v_msg uuid;
  v_mid text;
  v_desk bigint;
  v_kind text;
BEGIN
  SELECT * INTO r FROM jsonb_to_record(p_row) AS x(
      i int, id uuid, auto text, hash text, email text, name text, ids text[], ref text, mid text,
      subject text, body text, "full" text, lang text, day text, note text, natt int);
  SELECT s.state::text, s.received_at INTO v_state, v_at FROM submission s WHERE s.id = r.id FOR UPDATE;
  IF v_state IS NULL OR v_state IN ('PROCESSED', 'SKIPPED') THEN
    o_outcome := 'done';
    RETURN;
  END IF;
  IF r.auto IS NOT NULL THEN
    UPDATE submission SET state = 'SKIPPED', tip_id = NULL, processed_at = p_now, last_error = 'not a tip: ' || r.auto WHERE id = r.id;
    o_outcome := 'skipped';
    RETURN;
  END IF;
  IF r.hash IS NOT NULL AND EXISTS (SELECT 1 FROM contact_block b WHERE b.contact_hash = r.hash) THEN
    UPDATE submission SET state = 'SKIPPED', tip_id = NULL, processed_at = p_now, last_error = p_blocked_reason WHERE id = r.id;
    o_outcome := 'blocked';
    RETURN;
  END IF;

  -- The sender's tipster; a concurrent first contact may win the insert: then read its row.
  v_ts := NULL;
  IF r.email IS NOT NULL THEN
    SELECT t.id, t.display_name INTO v_ts, v_named FROM tipster t WHERE t.email = r.email;
    IF v_ts IS NULL THEN
      INSERT INTO tipster (email, display_name) VALUES (r.email, r.name) ON CONFLICT DO NOTHING RETURNING id INTO v_ts;
      IF v_ts IS NULL THEN
        SELECT t.id INTO v_ts FROM tipster t WHERE t.email = r.email;
      END IF;
    ELSIF v_named IS NULL AND r.name IS NOT NULL THEN
      UPDATE tipster SET display_name = r.name WHERE id = v_ts;
    END IF;
  END IF;

  -- The thread: the nearest ancestor we have (our ids have angle brackets, others' may not),
  -- else the tip of the reference code in the subject; followed through merges.
  v_tip := NULL;
  IF cardinality(r.ids) > 0 THEN
    SELECT m.tip_id INTO v_tip
    FROM unnest(r.ids) WITH ORDINALITY AS x(mid, n)
    JOIN message m ON m.email_message_id = ANY (ARRAY[x.mid, btrim(x.mid, '<>')])
    ORDER BY x.n LIMIT 1;
  END IF;
  IF v_tip IS NULL AND r.ref IS NOT NULL THEN
    SELECT t.id INTO v_tip FROM tip t WHERE t.reference = r.ref;
  END IF;
  FOR k IN 1..10 LOOP
    EXIT WHEN v_tip IS NULL;
    SELECT t.merged_into_id INTO v_next FROM tip t WHERE t.id = v_tip;
    EXIT WHEN v_next IS NULL;
    v_tip := v_next;
  END LOOP;

  -- A Message-ID already on a message (the same mail forwarded in again) is not claimed twice.
  v_mid := r.mid;
  IF v_mid IS NOT NULL AND EXISTS (SELECT 1 FROM message m WHERE m.email_message_id = v_mid) THEN
    v_mid := NULL;
  END IF;

  IF v_tip IS NOT NULL THEN
    INSERT INTO message (tip_id, submission_id, direction, channel, subject, body, full_body, email_message_id, kind, created_at)
    VALUES (v_tip, r.id, 'INBOUND', 'EMAIL', r.subject, r.body, r."full", v_mid, 'reply', v_at)
    RETURNING id INTO v_msg;
    UPDATE tip t SET last_activity_at = v_at, search_text = left(t.search_text || E'\n' || r.body, 20000), updated_at = now()
    WHERE t.id = v_tip
    RETURNING t.reference INTO v_ref;
    INSERT INTO audit_event (tip_id, action, after, created_at)
    VALUES (v_tip, 'message.received', jsonb_build_object('messageId', v_msg::text, 'channel', 'EMAIL'), v_at);
    INSERT INTO desk_event (tip_id, action, created_at) VALUES (v_tip, 'message.received', v_at) RETURNING id INTO v_desk;
    INSERT INTO job (kind, payload, max_attempts, priority) VALUES (p_read_job, jsonb_build_object('tipId', v_tip::text, 'what', 'tokens'), 0, -1);
    v_kind := 'thread';
  ELSE
    v_ref := tip_reference_next(r.day);
    INSERT INTO tip (reference, channel, subject, body, language, tipster_id, search_text, created_at, last_activity_at)
    VALUES (v_ref, 'EMAIL', r.subject, r.body, r.lang, v_ts,
            left(concat_ws(E'\n', v_ref, NULLIF(r.subject, ''), NULLIF(r.body, '')), 20000), v_at, v_at)
    RETURNING id INTO v_tip;
    INSERT INTO message (tip_id, submission_id, direction, channel, subject, body, full_body, email_message_id, kind, created_at)
    VALUES (v_tip, r.id, 'INBOUND', 'EMAIL', r.subject, r.body, r."full", v_mid, 'message', v_at)
    RETURNING id INTO v_msg;
    INSERT INTO audit_event (tip_id, action, after, created_at)
    VALUES (v_tip, 'tip.created', jsonb_build_object('reference', v_ref, 'channel', 'EMAIL'), v_at);
    INSERT INTO desk_event (tip_id, action, created_at) VALUES (v_tip, 'tip.created', v_at) RETURNING id INTO v_desk;
    INSERT INTO job (kind, payload, max_attempts, priority) VALUES (p_read_job, jsonb_build_object('tipId', v_tip::text), 0, -1);
    v_kind := 'tip';
  END IF;
  IF v_ts IS NOT NULL THEN
    INSERT INTO tip_tipster (tip_id, tipster_id) VALUES (v_tip, v_ts) ON CONFLICT DO NOTHING;
  END IF;

  IF r.natt > 0 THEN
    INSERT INTO attachment (id, tip_id, message_id, submission_id, filename, content_type, size, sha256, inline, content_id, dangerous, kind,
                            source_key, state, error)
    SELECT a.id, v_tip, v_msg, r.id, a.filename, a.type, a.size, a.sha, a.inline, a.cid, a.dangerous, a.kind, 'mime:' || a.n,
           (CASE WHEN a.blob IS NULL THEN 'TOO_LARGE' ELSE 'STORED' END)::"AttachmentState", a.error
    FROM jsonb_to_recordset(p_atts) AS a(i int, id uuid, n int, filename text, type text, size int, sha text, inline boolean, cid text,
                                         dangerous boolean, kind text, blob int, error text)
    WHERE a.i = r.i;
    INSERT INTO attachment_blob (attachment_id, data)
    SELECT a.id, p_blobs[a.blob]
    FROM jsonb_to_recordset(p_atts) AS a(i int, id uuid, blob int)
    WHERE a.i = r.i AND a.blob IS NOT NULL;
  END IF;

  UPDATE submission SET state = 'PROCESSED', tip_id = v_tip, processed_at = p_now, last_error = r.note WHERE id = r.id;
  o_outcome := v_kind;
  o_tip := v_tip;
  o_ref := v_ref;
  o_desk := v_desk;
END $$;

CREATE OR REPLACE FUNCTION email_intake_batch(
  p_rows jsonb,
  p_atts jsonb,
  p_blobs bytea[],
  p_now timestamptz,
  p_blocked_reason text,
  p_read_job text,
  p_desk_channel text)
RETURNS TABLE (i int, outcome text, tip_id uuid, reference text, error text)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
  e record;
  o record;
  v_last_desk bigint;
  a_i int[] := '{}';
  a_out text[] := '{}';
  a_tip uuid[] := '{}';
  a_ref text[] := '{}';
  v_whole boolean := true;
BEGIN
  -- The whole batch in one subtransaction; the outcomes are kept aside until it has held.
  BEGIN
    FOR e IN SELECT x.v, (x.v->>'i')::int AS n FROM jsonb_array_elements(p_rows) AS x(v) ORDER BY 2 LOOP
      SELECT * INTO o FROM email_intake_one(e.v, p_atts, p_blobs, p_now, p_blocked_reason, p_read_job);
      a_i := a_i || e.n;
      a_out := a_out || o.o_outcome;
      a_tip := a_tip || o.o_tip;
      a_ref := a_ref || o.o_ref;
      v_last_desk := GREATEST(v_last_desk, o.o_desk);
    END LOOP;
  EXCEPTION WHEN OTHERS THEN
    -- A message failed: everything the batch wrote is rolled back; again, a message at a time.
    v_whole := false;
  END;

  IF v_whole THEN
    RETURN QUERY SELECT x.n, x.o, x.t, x.r, NULL::text FROM unnest(a_i, a_out, a_tip, a_ref) AS x(n, o, t, r);
  ELSE
    v_last_desk := NULL;
    FOR e IN SELECT x.v, (x.v->>'i')::int AS n FROM jsonb_array_elements(p_rows) AS x(v) ORDER BY 2 LOOP
      i := e.n;
      error := NULL;
      BEGIN
        SELECT * INTO o FROM email_intake_one(e.v, p_atts, p_blobs, p_now, p_blocked_reason, p_read_job);
        outcome := o.o_outcome;
        tip_id := o.o_tip;
        reference := o.o_ref;
        v_last_desk := GREATEST(v_last_desk, o.o_desk);
        RETURN NEXT;
      EXCEPTION WHEN OTHERS THEN
        -- This message's writes are rolled back; the others' stand.
        outcome := 'failed';
        tip_id := NULL;
        reference := NULL;
        error := SQLERRM;
        RETURN NEXT;
      END;
    END LOOP;
  END IF;
  IF v_last_desk IS NOT NULL THEN
    PERFORM pg_notify(p_desk_channel, v_last_desk::text);
  END IF;
END $$;
