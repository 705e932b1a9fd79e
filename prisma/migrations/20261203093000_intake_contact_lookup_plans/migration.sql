-- Intake's per-contact lookups keep their plan whatever the statistics (issue 17, session 7).
--
-- PL/pgSQL keeps a statement's generic plan for the life of its connection, until the table's
-- next ANALYZE. A connection that first ran intake_route on a table with no statistics (a new
-- database; a table grown many times over since its last ANALYZE, as in a storm) planned its two
-- per-contact queries when every index cost the same, and took the wrong ones:
--   - the hour's count for the rate limit read the (channel, external_id) unique index, that is
--     every submission of the channel, to find the sender's;
--   - the follow-up lookup of a tip the contact opened that is not made yet read (state,
--     received_at), that is every RECEIVED submission: in a storm, the whole backlog.
-- Measured (pgbench, 10 clients, a new database): 1,815 statements/s in the first two seconds,
-- 460/s after twenty (15,000 stored); 4,350/s steady with the plans below. Session 5's covering
-- indexes did not prevent it: an index covering every condition wins on statistics, not on a tie.
--
-- So each query now names something only its own index has:
--   - the count compares the channel as text, which no index covers, so only the sender index
--     (sender, channel, received_at) can serve `sender = $`; it also stops one past the limit,
--     since nothing reads it beyond "over the limit";
--   - the follow-up lookup asks for one expression, the sender while the submission has a code,
--     no tip and is RECEIVED (NULL otherwise), which submission_pending_sender_idx indexes with
--     received_at and nothing else asks for. It replaces the partial index, which the planner could only prove
--     usable from `state = 'RECEIVED'`, a condition the state index serves too.
-- docs/database.md, "Intake's per-contact lookups".
--
-- intake_skip_reason moves from SQL to PL/pgSQL. Called from PL/pgSQL, a SQL function whose body
-- has a subquery is not inlined: its body was parsed and planned again in every transaction
-- (0.06–0.1 ms of the server's time per webhook, a sixth of intake_accept_message's). PL/pgSQL
-- keeps its plan for the connection.

DROP INDEX "submission_pending_tip_idx";
CREATE INDEX "submission_pending_sender_idx" ON "submission"
  ((CASE WHEN "reference" IS NOT NULL AND "tip_id" IS NULL AND "state" = 'RECEIVED' THEN "sender" END), "received_at");

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

  -- Messages in the hour before this one on this channel, this one included, counted up to one
  -- past the limit. The channel is compared as text so that only the sender index serves the
  -- query, whatever the statistics (see the top of this file).
  IF p_stored_at IS NULL THEN
    SELECT count(*) + 1 INTO v_recent FROM (
      SELECT 1 FROM submission s
      WHERE s.sender = p_contact AND s.channel::text = p_channel::text AND s.received_at > now() - interval '1 hour'
      LIMIT p_rate_per_hour) r;
  ELSE
    SELECT count(*) INTO v_recent FROM (
      SELECT 1 FROM submission s
      WHERE s.sender = p_contact AND s.channel::text = p_channel::text AND s.received_at > p_stored_at - interval '1 hour'
        AND s.received_at <= p_stored_at
      LIMIT p_rate_per_hour + 1) r;
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
      WHERE (CASE WHEN s.reference IS NOT NULL AND s.tip_id IS NULL AND s.state = 'RECEIVED' THEN s.sender END) = p_contact
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
        WHERE (CASE WHEN s.reference IS NOT NULL AND s.tip_id IS NULL AND s.state = 'RECEIVED' THEN s.sender END) = p_contact
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

-- Why a message makes no tip (NULL: it routes): a keyword first, then a block, then the caller's reason.
CREATE OR REPLACE FUNCTION intake_skip_reason(p_control text, p_block_hashes text[], p_skip text)
RETURNS text
LANGUAGE plpgsql STABLE AS $$
BEGIN
  IF p_control IS NOT NULL THEN
    RETURN p_control || ' keyword';
  END IF;
  IF cardinality(p_block_hashes) > 0 AND EXISTS (SELECT 1 FROM contact_block b WHERE b.contact_hash = ANY(p_block_hashes)) THEN
    RETURN 'blocked sender';
  END IF;
  RETURN p_skip;
END $$;
