-- Exact totals of a search of words with a creation date range (`search=session&created_after=
-- 2026-03-18`), without a visit to each match. 0022's bitmaps held words, tags, severity, status
-- and project, not dates: such a total was the matches of the word (from the GIN index) AND'ed
-- with the range (from the creation index), each visited, 130-210 ms at 100,000 findings for a
-- word in a fifth of them.
--
-- Each finding's creation day (UTC) is a term of kind 'd' too. A finding's number (seq) is given
-- as it is created, so a day's findings stand together in one or two chunks of 256 (at 100,000
-- findings over a year, ~270 a day), and a range of days is a range of the primary key: ~1-2 rows
-- a day at 100,000 findings, ~11 at a million. Findings numbered out of creation order (a bulk
-- load of old ones) cost more rows, never a different answer.
--
-- A day is its number since 1970-01-01 plus 100,000,000, as text, so every day of a timestamp
-- (4713 BC to 294276 AD) is nine digits and the days of a range are a range of the text; infinity
-- is the last term and -infinity the first, so a range open at that end holds them.
ALTER TABLE finding_word_bits DROP CONSTRAINT finding_word_bits_kind_check,
  ADD CONSTRAINT finding_word_bits_kind_check CHECK (kind IN ('w', 't', 's', 'u', 'p', 'd'));

CREATE FUNCTION finding_day(created_at timestamptz) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT CASE WHEN created_at = 'infinity' THEN '999999999' WHEN created_at = '-infinity' THEN '000000000'
                    ELSE (floor(extract(epoch FROM created_at) / 86400)::bigint + 100000000)::text END $$;

CREATE FUNCTION finding_bit_terms(search tsvector, tags text[], severity text, status text, project_id text, created_at timestamptz)
  RETURNS TABLE (kind "char", term text) LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT 'w'::"char", l FROM unnest(tsvector_to_array(search)) l
        UNION ALL SELECT DISTINCT 't'::"char", t FROM unnest(tags) t
        UNION ALL VALUES ('s'::"char", severity), ('u'::"char", status), ('p'::"char", project_id), ('d'::"char", finding_day(created_at)) $$;

CREATE OR REPLACE FUNCTION finding_word_bits_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO finding_word_bits AS c (tenant_id, kind, term, chunk, slot, bits)
      SELECT r.tenant_id, x.kind, x.term, r.seq / 256, (pg_backend_pid() % 16)::smallint, bit_xor(finding_bit(r.seq))
        FROM new_rows r, finding_bit_terms(r.search, r.tags, r.severity, r.status, r.project_id, r.created_at) x
       GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
    ON CONFLICT (tenant_id, kind, term, chunk, slot) DO UPDATE SET bits = c.bits # excluded.bits;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO finding_word_bits AS c (tenant_id, kind, term, chunk, slot, bits)
      SELECT r.tenant_id, x.kind, x.term, r.seq / 256, (pg_backend_pid() % 16)::smallint, bit_xor(finding_bit(r.seq))
        FROM old_rows r, finding_bit_terms(r.search, r.tags, r.severity, r.status, r.project_id, r.created_at) x
       GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
    ON CONFLICT (tenant_id, kind, term, chunk, slot) DO UPDATE SET bits = c.bits # excluded.bits;
  ELSE
    -- The terms of the rows whose terms may have changed, before and after: a term on both sides
    -- flips twice, and a chunk left unchanged writes nothing (a status change writes two rows).
    INSERT INTO finding_word_bits AS c (tenant_id, kind, term, chunk, slot, bits)
      SELECT o.tenant_id, x.kind, x.term, x.seq / 256, (pg_backend_pid() % 16)::smallint, bit_xor(finding_bit(x.seq))
        FROM old_rows o JOIN new_rows n USING (tenant_id, id),
             LATERAL (SELECT o.seq, t.* FROM finding_bit_terms(o.search, o.tags, o.severity, o.status, o.project_id, o.created_at) t
                      UNION ALL
                      SELECT n.seq, t.* FROM finding_bit_terms(n.search, n.tags, n.severity, n.status, n.project_id, n.created_at) t) x
       WHERE (o.search, o.tags, o.severity, o.status, o.project_id, o.seq, finding_day(o.created_at))
             IS DISTINCT FROM (n.search, n.tags, n.severity, n.status, n.project_id, n.seq, finding_day(n.created_at))
       GROUP BY 1, 2, 3, 4 HAVING bit_count(bit_xor(finding_bit(x.seq))) > 0 ORDER BY 1, 2, 3, 4
    ON CONFLICT (tenant_id, kind, term, chunk, slot) DO UPDATE SET bits = c.bits # excluded.bits;
  END IF;
  RETURN NULL;
END $$;

DROP FUNCTION finding_bit_terms(tsvector, text[], text, text, text);

INSERT INTO finding_word_bits (tenant_id, kind, term, chunk, slot, bits)
  SELECT f.tenant_id, 'd', finding_day(f.created_at), f.seq / 256, -1, bit_xor(finding_bit(f.seq))
    FROM findings f
   GROUP BY 1, 2, 3, 4;
