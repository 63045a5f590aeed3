-- Exact totals of a search for several words (`cookie session` is 'cooki' & 'session'), or for
-- words with others left out (`xss -stored`, 'xss' & !'store'), without a visit to each match.
-- finding_terms (0012) counts the findings holding one word; two words that are each in half the
-- findings may share a fifth of them, and counting those visited every one (a fifth of the table,
-- 100 ms at 100,000 findings, a second at a million).
--
-- Each finding gets a number (seq), and each word a bitmap of the numbers of the findings holding
-- it, in chunks of 256: a chunk row is the word's bits for findings 256·chunk … 256·chunk + 255.
-- The total of 'a' & 'b' & !'c' is then the bits set in a and b and not in c, chunk by chunk: at
-- 100,000 findings ~400 chunk rows a word, however many findings hold it.
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
  term      text NOT NULL,
  chunk     bigint NOT NULL,
  slot      smallint NOT NULL,
  bits      bit(256) NOT NULL,
  PRIMARY KEY (tenant_id, term, chunk, slot)
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

CREATE FUNCTION finding_word_bits_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO finding_word_bits AS c (tenant_id, term, chunk, slot, bits)
      SELECT r.tenant_id, l, r.seq / 256, (pg_backend_pid() % 16)::smallint, bit_xor(finding_bit(r.seq))
        FROM new_rows r, unnest(tsvector_to_array(r.search)) l
       GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    ON CONFLICT (tenant_id, term, chunk, slot) DO UPDATE SET bits = c.bits # excluded.bits;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO finding_word_bits AS c (tenant_id, term, chunk, slot, bits)
      SELECT r.tenant_id, l, r.seq / 256, (pg_backend_pid() % 16)::smallint, bit_xor(finding_bit(r.seq))
        FROM old_rows r, unnest(tsvector_to_array(r.search)) l
       GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    ON CONFLICT (tenant_id, term, chunk, slot) DO UPDATE SET bits = c.bits # excluded.bits;
  ELSE
    -- The words of the rows whose text changed, before and after: a word on both sides flips
    -- twice, and a chunk left unchanged writes nothing (a status change writes no bits at all).
    INSERT INTO finding_word_bits AS c (tenant_id, term, chunk, slot, bits)
      SELECT d.tenant_id, d.term, d.chunk, (pg_backend_pid() % 16)::smallint, bit_xor(d.bit)
        FROM (SELECT o.tenant_id, l AS term, o.seq / 256 AS chunk, finding_bit(o.seq) AS bit
                FROM old_rows o JOIN new_rows n USING (tenant_id, id), unnest(tsvector_to_array(o.search)) l
               WHERE o.search IS DISTINCT FROM n.search OR o.seq <> n.seq
              UNION ALL
              SELECT n.tenant_id, l, n.seq / 256, finding_bit(n.seq)
                FROM old_rows o JOIN new_rows n USING (tenant_id, id), unnest(tsvector_to_array(n.search)) l
               WHERE o.search IS DISTINCT FROM n.search OR o.seq <> n.seq) d
       GROUP BY 1, 2, 3 HAVING bit_count(bit_xor(d.bit)) > 0 ORDER BY 1, 2, 3
    ON CONFLICT (tenant_id, term, chunk, slot) DO UPDATE SET bits = c.bits # excluded.bits;
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER finding_word_bits_ins AFTER INSERT ON findings
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION finding_word_bits_apply();
CREATE TRIGGER finding_word_bits_upd AFTER UPDATE ON findings
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION finding_word_bits_apply();
CREATE TRIGGER finding_word_bits_del AFTER DELETE ON findings
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION finding_word_bits_apply();

INSERT INTO finding_word_bits (tenant_id, term, chunk, slot, bits)
  SELECT f.tenant_id, l, f.seq / 256, -1, bit_xor(finding_bit(f.seq))
    FROM findings f, unnest(tsvector_to_array(f.search)) l
   GROUP BY 1, 2, 3;

-- The folder's first round folds these slots too.
CREATE OR REPLACE FUNCTION finding_counter_unfolded() RETURNS SETOF text
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
AS $$
  SELECT tenant_id FROM finding_counts WHERE slot <> -1
  UNION SELECT tenant_id FROM finding_terms WHERE slot <> -1
  UNION SELECT tenant_id FROM finding_weeks WHERE slot <> -1
  UNION SELECT tenant_id FROM finding_word_bits WHERE slot <> -1
$$;
