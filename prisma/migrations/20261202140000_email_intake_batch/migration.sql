-- Email normalization a batch at a time (issue 17: mailbox → tips at ≥ 30% of the database alone).
--
-- One normalize job per email spent most of its CPU in the Prisma client and pg: some 16
-- statements per message, each built, sent and decoded on the client. email_intake_batch takes
-- every email of one stored IMAP batch (parsed by the job, src/channels/email/email.batch.ts) in
-- ONE statement and does per message, in order, what src/channels/email/email.normalize.ts does
-- for one: lock the submission (a done one is left alone: a retried batch makes no second tip),
-- machine mail and blocked senders SKIPPED, the tipster found or made, the thread found by
-- In-Reply-To/References (nearest first), else by the reference code in the subject, followed
-- through merges; then either a new tip (reference from the day's sequence, tipster link, first
-- message, tip.created audit and desk events, its tip.read job) or a reply on the thread's tip
-- (message, activity, search text, message.received audit and desk events, a tokens job), the
-- attachments with their bytes, and the submission PROCESSED. Messages are handled in batch
-- order, so a reply later in the batch finds a tip made earlier in it.
--
-- Each message runs in a subtransaction: one that fails (a constraint, bad bytes) is rolled back
-- alone and reported as 'failed' with its error; the job hands it to the one-message normalize
-- job (its retries, then quarantine) and the rest of the batch commits.
--
-- p_rows: [{i, id, auto, hash, email, name, ids, ref, mid, subject, body, full, lang, day, note, natt}]
--   i       the message's place in the batch (rows are handled in this order)
--   auto    why it is machine mail (SKIPPED 'not a tip: …'), or null
--   hash    the sender's contact hash (blocked-sender check), or null
--   ids     In-Reply-To then References ids, nearest first; ref the reference code in the subject
--   mid     its own Message-ID (not claimed when a message already carries it)
--   natt    how many rows of p_atts are its attachments
-- p_atts:  [{i, id, n, filename, type, size, sha, inline, cid, dangerous, kind, blob, error}]
--   id      the attachment's id (chosen by the caller); n its place in the MIME tree (source_key mime:n)
--   blob    1-based index of its bytes in p_blobs, null when too large (TOO_LARGE with error)
-- Returns per message: its outcome ('tip', 'thread', 'skipped', 'blocked', 'done', 'failed'), the
-- tip, the tip's reference (for the acknowledgement) and, for 'failed', the error.
-- No NOTIFY for jobs (the caller wakes the workers after the commit); one for the live stream
-- per batch, not per event. The reading jobs go in at priority -1, as the acknowledgements do: in a
-- backlog (which is what a batch is) every mail becomes a tip before tips are read, instead of the
-- readings' CPU (jieba, the classifier: most of intake's) slowing the tips down.

CREATE FUNCTION email_intake_batch(
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
  v_last_desk bigint;
  v_kind text;
BEGIN
  FOR r IN
    SELECT * FROM jsonb_to_recordset(p_rows) AS x(
      i int, id uuid, auto text, hash text, email text, name text, ids text[], ref text, mid text,
      subject text, body text, "full" text, lang text, day text, note text, natt int)
    ORDER BY x.i
  LOOP
    i := r.i;
    tip_id := NULL;
    reference := NULL;
    error := NULL;
    BEGIN
      SELECT s.state::text, s.received_at INTO v_state, v_at FROM submission s WHERE s.id = r.id FOR UPDATE;
      IF v_state IS NULL OR v_state IN ('PROCESSED', 'SKIPPED') THEN
        outcome := 'done';
        RETURN NEXT;
        CONTINUE;
      END IF;
      IF r.auto IS NOT NULL THEN
        UPDATE submission SET state = 'SKIPPED', tip_id = NULL, processed_at = p_now, last_error = 'not a tip: ' || r.auto WHERE id = r.id;
        outcome := 'skipped';
        RETURN NEXT;
        CONTINUE;
      END IF;
      IF r.hash IS NOT NULL AND EXISTS (SELECT 1 FROM contact_block b WHERE b.contact_hash = r.hash) THEN
        UPDATE submission SET state = 'SKIPPED', tip_id = NULL, processed_at = p_now, last_error = p_blocked_reason WHERE id = r.id;
        outcome := 'blocked';
        RETURN NEXT;
        CONTINUE;
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
      v_last_desk := GREATEST(v_last_desk, v_desk);
      outcome := v_kind;
      tip_id := v_tip;
      reference := v_ref;
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
  IF v_last_desk IS NOT NULL THEN
    PERFORM pg_notify(p_desk_channel, v_last_desk::text);
  END IF;
END $$;
