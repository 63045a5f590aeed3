-- Exact totals of a search for several words (`cookie session` is 'cooki' & 'session'), or for
-- words with others left out (`xss -stored`, 'xss' & !'store'), alone or with severity, status,
-- tag and project filters, without a visit to each match. finding_terms (0012) counts the findings
-- holding one word, with severity and status; two words that are each in half the findings may
-- share a fifth of them, and counting those visited every one (a fifth of the table, 100 ms at
-- 100,000 findings, a second at a million), as did a word with a tag or in a project.
--
-- Each finding gets a number (seq), and each of its terms a bitmap of the numbers of the findings
-- holding it, in chunks of 256: a chunk row is the term's bits for findings 256·chunk … 256·chunk
-- + 255. The terms are its words (kind 'w'), its tags ('t'), severity ('s'), status ('u') and
-- project ('p'). The total of 'a' & !'c' with severity High or Low is then the bits set in a, in
-- High or Low, and not in c, chunk by chunk: at 100,000 findings ~400 chunk rows a term, however
-- many findings hold it.
--
-- Kept in the transaction of every change by statement-level triggers, as finding_terms is, with
-- the same slots per connection and the same fixed order of rows. A change flips its findings'
-- bits (XOR): an insert sets a bit that was clear (each number is given once), a delete clears one
-- that was set, an update flips the words it adds or removes. XOR in any order gives the same
-- bits, so each connection XORs into its own slot row, a chunk's bits are the XOR of its slots,
-- and the counter folder (findings/counter-fold.ts) folds the slots into slot -1 as it folds
-- the sums of the other counters.
CREATE SEQUENCE finding_seq;
GRANT USAGE ON SEQUENCE finding_seq TO neuro_app;
-- Numbered in the rewrite this adds (a volatile default), which fires no trigger.
ALTER TABLE findings ADD COLUMN seq bigint NOT NULL DEFAULT nextval('finding_seq');
ALTER SEQUENCE finding_seq OWNED BY findings.seq;

CREATE TABLE finding_word_bits (
  tenant_id text NOT NULL,
  kind      "char" NOT NULL CHECK (kind IN ('w', 't', 's', 'u', 'p')),
  term      text NOT NULL,
  chunk     bigint NOT NULL,
  slot      smallint NOT NULL,
  bits      bit(256) NOT NULL,
  PRIMARY KEY (tenant_id, kind, term, chunk, slot)
);
SELECT isolate_tenant_table('finding_word_bits');
-- The owner fills it below for the findings there are, whichever tenant they belong to, and a
-- cascade from deleting a tenant (no tenant set) takes its rows away.
DO $$
BEGIN
  EXECUTE format('CREATE POLICY backfill ON finding_word_bits FOR ALL TO %I USING (true) WITH CHECK (true)', current_user);
END $$;

-- A finding's bit in its chunk.
CREATE FUNCTION finding_bit(seq bigint) RETURNS bit(256) LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT set_bit(B'0'::bit(256), (seq % 256)::int, 1)::bit(256) $$;

-- A finding's terms for the bitmaps: each word and each tag once, its severity, status and project.
CREATE FUNCTION finding_bit_terms(search tsvector, tags text[], severity text, status text, project_id text)
  RETURNS TABLE (kind "char", term text) LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT 'w'::"char", l FROM unnest(tsvector_to_array(search)) l
        UNION ALL SELECT DISTINCT 't'::"char", t FROM unnest(tags) t
        UNION ALL VALUES ('s'::"char", severity), ('u'::"char", status), ('p'::"char", project_id) $$;

CREATE FUNCTION finding_word_bits_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO finding_word_bits AS c (tenant_id, kind, term, chunk, slot, bits)
      SELECT r.tenant_id, x.kind, x.term, r.seq / 256, (pg_backend_pid() % 16)::smallint, bit_xor(finding_bit(r.seq))
        FROM new_rows r, finding_bit_terms(r.search, r.tags, r.severity, r.status, r.project_id) x
       GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
    ON CONFLICT (tenant_id, kind, term, chunk, slot) DO UPDATE SET bits = c.bits # excluded.bits;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO finding_word_bits AS c (tenant_id, kind, term, chunk, slot, bits)
      SELECT r.tenant_id, x.kind, x.term, r.seq / 256, (pg_backend_pid() % 16)::smallint, bit_xor(finding_bit(r.seq))
        FROM old_rows r, finding_bit_terms(r.search, r.tags, r.severity, r.status, r.project_id) x
       GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
    ON CONFLICT (tenant_id, kind, term, chunk, slot) DO UPDATE SET bits = c.bits # excluded.bits;
  ELSE
    -- The terms of the rows whose terms may have changed, before and after: a term on both sides
    -- flips twice, and a chunk left unchanged writes nothing (a status change writes two rows).
    INSERT INTO finding_word_bits AS c (tenant_id, kind, term, chunk, slot, bits)
      SELECT o.tenant_id, x.kind, x.term, x.seq / 256, (pg_backend_pid() % 16)::smallint, bit_xor(finding_bit(x.seq))
        FROM old_rows o JOIN new_rows n USING (tenant_id, id),
             LATERAL (SELECT o.seq, t.* FROM finding_bit_terms(o.search, o.tags, o.severity, o.status, o.project_id) t
                      UNION ALL
                      SELECT n.seq, t.* FROM finding_bit_terms(n.search, n.tags, n.severity, n.status, n.project_id) t) x
       WHERE (o.search, o.tags, o.severity, o.status, o.project_id, o.seq) IS DISTINCT FROM (n.search, n.tags, n.severity, n.status, n.project_id, n.seq)
       GROUP BY 1, 2, 3, 4 HAVING bit_count(bit_xor(finding_bit(x.seq))) > 0 ORDER BY 1, 2, 3, 4
    ON CONFLICT (tenant_id, kind, term, chunk, slot) DO UPDATE SET bits = c.bits # excluded.bits;
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER finding_word_bits_ins AFTER INSERT ON findings
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION finding_word_bits_apply();
CREATE TRIGGER finding_word_bits_upd AFTER UPDATE ON findings
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION finding_word_bits_apply();
CREATE TRIGGER finding_word_bits_del AFTER DELETE ON findings
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION finding_word_bits_apply();

INSERT INTO finding_word_bits (tenant_id, kind, term, chunk, slot, bits)
  SELECT f.tenant_id, x.kind, x.term, f.seq / 256, -1, bit_xor(finding_bit(f.seq))
    FROM findings f, finding_bit_terms(f.search, f.tags, f.severity, f.status, f.project_id) x
   GROUP BY 1, 2, 3, 4;

-- The folder's first round folds these slots too.
CREATE OR REPLACE FUNCTION finding_counter_unfolded() RETURNS SETOF text
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
AS $$
  SELECT tenant_id FROM finding_counts WHERE slot <> -1
  UNION SELECT tenant_id FROM finding_terms WHERE slot <> -1
  UNION SELECT tenant_id FROM finding_weeks WHERE slot <> -1
  UNION SELECT tenant_id FROM finding_word_bits WHERE slot <> -1
$$;
