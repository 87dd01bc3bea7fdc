-- OHH continuity of pharmacotherapy for OUD: a new episode in the intake period (denominator),
-- 180 days from its start with no gap of gap_days or more (numerator).
WITH p AS (
    SELECT *,
           (period_start - to_months(intake_offset_months))::DATE AS intake_start,
           (period_end - to_months(intake_offset_months))::DATE AS intake_end
    FROM params
),
assigned AS (
    SELECT m.provider_id, m.member_id, arg_min(m.ref, m.row_no) AS member_ref,
           max(m.birth_date) AS birth_date
    FROM members AS m, p
    WHERE coalesce(m.assigned_from, p.period_start) <= p.period_end
      AND coalesce(m.assigned_to, p.period_end) >= p.period_start
    GROUP BY m.provider_id, m.member_id
),
drug_names AS (SELECT DISTINCT drug_name FROM fills WHERE drug_name IS NOT NULL),
named AS (  -- injectable naltrexone wins over oral naltrexone when a name matches both
    SELECT d.drug_name,
           arg_max(n.value_set, CASE WHEN n.value_set = 'oud_naltrexone_injectable' THEN 1 ELSE 0 END) AS value_set
    FROM drug_names AS d
    JOIN vs_name AS n
        ON n.value_set IN ('oud_buprenorphine', 'oud_naltrexone_oral', 'oud_naltrexone_injectable')
       AND regexp_matches(d.drug_name, n.pattern, 'i')
    GROUP BY d.drug_name
),
fill_events AS (
    SELECT f.member_id, f.fill_date AS s, f.row_no, f.ref,
           coalesce(nm.value_set, rx.value_set, ndc.value_set) AS medication,
           f.days_supply
    FROM fills AS f
    LEFT JOIN named AS nm ON nm.drug_name = f.drug_name
    LEFT JOIN vs_code AS rx ON rx.system = 'RXNORM' AND rx.code = f.rxnorm
        AND rx.value_set IN ('oud_buprenorphine', 'oud_naltrexone_oral', 'oud_naltrexone_injectable')
    LEFT JOIN vs_code AS ndc ON ndc.system = 'NDC' AND ndc.code = f.ndc
        AND ndc.value_set IN ('oud_buprenorphine', 'oud_naltrexone_oral', 'oud_naltrexone_injectable')
    WHERE coalesce(nm.value_set, rx.value_set, ndc.value_set) IS NOT NULL
),
otp_events AS (
    SELECT o.member_id, o.service_date AS s, o.row_no, o.ref,
           coalesce(hc.value_set, 'otp_methadone_daily') AS medication,
           coalesce(o.days_covered, d.days_covered, 1) AS days
    FROM otp AS o
    LEFT JOIN vs_code AS hc ON hc.system = 'HCPCS' AND hc.code = o.hcpcs
    LEFT JOIN vs_days AS d ON d.value_set = hc.value_set
),
events AS (
    SELECT f.member_id, f.s, f.row_no, f.ref, f.medication,
           (f.s + coalesce(d.days_covered, f.days_supply, 1) - 1)::DATE AS e
    FROM fill_events AS f
    LEFT JOIN vs_days AS d ON d.value_set = f.medication
    UNION ALL
    SELECT member_id, s, row_no, ref, medication, (s + days - 1)::DATE AS e FROM otp_events
),
ordered AS (
    SELECT *,
           max(e) OVER (PARTITION BY member_id ORDER BY s, e, ref
                        ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS covered_until
    FROM events
),
in_intake AS (
    SELECT o.member_id,
           min(o.s) FILTER (WHERE o.covered_until IS NULL
                               OR o.covered_until < o.s - p.negative_history_days) AS episode_start
    FROM ordered AS o, p
    WHERE o.s BETWEEN p.intake_start AND p.intake_end
    GROUP BY o.member_id
),
episodes AS (
    SELECT i.member_id, i.episode_start,
           (i.episode_start + p.treatment_days - 1)::DATE AS episode_end,
           arg_min(o.ref, o.row_no) AS start_ref
    FROM in_intake AS i
    CROSS JOIN p
    JOIN ordered AS o ON o.member_id = i.member_id AND o.s = i.episode_start
    GROUP BY i.member_id, i.episode_start, p.treatment_days
),
clipped AS (  -- each event's covered days inside its member's treatment period
    SELECT ep.member_id, ep.episode_start, ep.episode_end,
           greatest(ev.s, ep.episode_start) AS s, least(ev.e, ep.episode_end) AS e
    FROM episodes AS ep
    JOIN events AS ev ON ev.member_id = ep.member_id
    WHERE ev.e >= ep.episode_start AND ev.s <= ep.episode_end
),
runs AS (
    SELECT *,
           max(e) OVER (PARTITION BY member_id ORDER BY s, e
                        ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_end
    FROM clipped
),
gaps AS (  -- uncovered runs: before an event (after everything before it) and after the last
    SELECT member_id, (prev_end + 1)::DATE AS gap_start, date_diff('day', prev_end, s) - 1 AS gap_days
    FROM runs WHERE prev_end IS NOT NULL AND s > prev_end + 1
    UNION ALL
    SELECT member_id, (max(e) + 1)::DATE, date_diff('day', max(e), max(episode_end))
    FROM clipped GROUP BY member_id HAVING max(e) < max(episode_end)
),
gap_summary AS (
    SELECT g.member_id, max(g.gap_days) AS longest_gap,
           min(g.gap_start) FILTER (WHERE g.gap_days >= p.gap_days) AS first_long_gap
    FROM gaps AS g, p
    GROUP BY g.member_id
)
SELECT a.provider_id,
       a.member_id,
       a.member_ref,
       CASE WHEN ii.member_id IS NULL THEN 'no-oud-medication'
            WHEN ep.member_id IS NULL THEN 'no-new-episode'
            WHEN a.birth_date IS NOT NULL
                 AND date_sub('year', a.birth_date, ep.episode_start) < p.min_age THEN 'under-age'
            WHEN coalesce(gs.longest_gap, 0) >= p.gap_days THEN 'gap-in-treatment'
            ELSE 'continuous' END AS status,
       ep.start_ref AS ref_episode_start,
       coalesce(gs.longest_gap, 0) AS longest_gap_days,
       ep.episode_start AS value_episode_start,
       ep.episode_end AS value_episode_end,
       gs.first_long_gap AS value_first_gap_start
FROM assigned AS a
CROSS JOIN p
LEFT JOIN in_intake AS ii ON ii.member_id = a.member_id
LEFT JOIN episodes AS ep ON ep.member_id = a.member_id
LEFT JOIN gap_summary AS gs ON gs.member_id = a.member_id
ORDER BY a.provider_id, a.member_id
