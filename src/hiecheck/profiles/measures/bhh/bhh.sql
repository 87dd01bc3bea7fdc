-- BHH: members assigned to the BHH organization with >= min_fills antipsychotic fills in the
-- period (denominator); those with >= 1 HbA1c or blood glucose test in the period (numerator).
-- One row per assigned member and organization; the engine counts populations from `status`.
WITH p AS (SELECT * FROM params),
assigned AS (
    SELECT m.provider_id, m.member_id, arg_min(m.ref, m.row_no) AS member_ref
    FROM members AS m, p
    WHERE coalesce(m.assigned_from, p.period_start) <= p.period_end
      AND coalesce(m.assigned_to, p.period_end) >= p.period_start
    GROUP BY m.provider_id, m.member_id
),
-- Drug names are few: match each distinct name once, not each claim row.
drug_names AS (SELECT DISTINCT drug_name FROM fills WHERE drug_name IS NOT NULL),
named AS (
    SELECT d.drug_name, min(n.label) AS medication
    FROM drug_names AS d
    JOIN vs_name AS n ON n.value_set = 'antipsychotic' AND regexp_matches(d.drug_name, n.pattern, 'i')
    GROUP BY d.drug_name
),
antipsychotic_fills AS (  -- by ingredient name, RxNorm id or NDC (inner joins: few rows match)
    SELECT f.member_id, f.fill_date, f.row_no, f.file, nm.medication
    FROM fills_rows AS f JOIN named AS nm ON nm.drug_name = f.drug_name
    UNION ALL
    SELECT f.member_id, f.fill_date, f.row_no, f.file, 'RxNorm ' || v.code
    FROM fills_rows AS f
    JOIN vs_code AS v ON v.value_set = 'antipsychotic' AND v.system = 'RXNORM' AND v.code = f.rxnorm
    WHERE f.drug_name IS NULL OR f.drug_name NOT IN (SELECT drug_name FROM named)
    UNION ALL
    SELECT f.member_id, f.fill_date, f.row_no, f.file, 'NDC ' || v.code
    FROM fills_rows AS f
    JOIN vs_code AS v ON v.value_set = 'antipsychotic' AND v.system = 'NDC' AND v.code = f.ndc
    WHERE (f.drug_name IS NULL OR f.drug_name NOT IN (SELECT drug_name FROM named))
      AND (f.rxnorm IS NULL OR f.rxnorm NOT IN (SELECT code FROM vs_code
                                                WHERE value_set = 'antipsychotic' AND system = 'RXNORM'))
),
in_period AS (
    SELECT a.* FROM antipsychotic_fills AS a, p WHERE a.fill_date BETWEEN p.period_start AND p.period_end
),
dispensings AS (  -- one per member, day and medication (reading one-fill-per-day-and-drug)
    SELECT member_id, fill_date, medication, min(row_no) AS row_no, any_value(file) AS file,
           row_number() OVER (PARTITION BY member_id ORDER BY fill_date, min(row_no)) AS nth
    FROM in_period
    GROUP BY member_id, fill_date, medication
),
fill_summary AS (
    SELECT member_id,
           count(*) AS fills,
           any_value(file || ':row ' || row_no) FILTER (WHERE nth = 1) AS first_ref,
           any_value(file || ':row ' || row_no) FILTER (WHERE nth = 2) AS second_ref,
           any_value(fill_date) FILTER (WHERE nth = 1) AS first_date,
           any_value(fill_date) FILTER (WHERE nth = 2) AS second_date,
           any_value(medication) FILTER (WHERE nth = 1) AS first_medication,
           any_value(medication) FILTER (WHERE nth = 2) AS second_medication
    FROM dispensings
    GROUP BY member_id
),
tests AS (  -- a LOINC or a CPT code of the two value sets, in the period
    SELECT l.member_id, l.service_date, l.row_no, l.file, l.ref_text, v.value_set AS test_set,
           'LOINC ' || v.code AS test_code
    FROM labs_rows AS l
    CROSS JOIN p
    JOIN vs_code AS v ON v.system = 'LOINC' AND v.value_set IN ('hba1c_test', 'glucose_test')
         AND v.code = l.loinc
    WHERE l.service_date BETWEEN p.period_start AND p.period_end
    UNION ALL
    SELECT l.member_id, l.service_date, l.row_no, l.file, l.ref_text, v.value_set,
           'CPT ' || v.code
    FROM labs_rows AS l
    CROSS JOIN p
    JOIN vs_code AS v ON v.system = 'CPT' AND v.value_set IN ('hba1c_test', 'glucose_test')
         AND v.code = l.cpt
    WHERE l.service_date BETWEEN p.period_start AND p.period_end
),
first_test AS (
    SELECT member_id,
           arg_min(coalesce(ref_text, file || ':row ' || row_no), (service_date, row_no)) AS ref,
           arg_min(test_set, (service_date, row_no)) AS test_set,
           arg_min(test_code, (service_date, row_no)) AS test_code,
           min(service_date) AS service_date
    FROM tests
    GROUP BY member_id
)
SELECT a.provider_id,
       a.member_id,
       a.member_ref,
       CASE WHEN coalesce(fs.fills, 0) < p.min_fills THEN 'fewer-than-two-fills'
            WHEN t.member_id IS NULL THEN 'not-screened'
            ELSE 'screened' END AS status,
       coalesce(fs.fills, 0) AS antipsychotic_fills,
       fs.first_ref AS ref_first_fill,
       fs.second_ref AS ref_second_fill,
       CASE WHEN coalesce(fs.fills, 0) >= p.min_fills THEN t.ref END AS ref_test,
       CASE WHEN coalesce(fs.fills, 0) >= p.min_fills THEN t.test_set END AS test_value_set,
       fs.first_date AS value_first_fill_date,
       fs.first_medication AS value_first_fill_medication,
       fs.second_date AS value_second_fill_date,
       fs.second_medication AS value_second_fill_medication,
       CASE WHEN coalesce(fs.fills, 0) >= p.min_fills THEN t.service_date END AS value_test_date,
       CASE WHEN coalesce(fs.fills, 0) >= p.min_fills THEN t.test_code END AS value_test_code
FROM assigned AS a
CROSS JOIN p
LEFT JOIN fill_summary AS fs ON fs.member_id = a.member_id
LEFT JOIN first_test AS t ON t.member_id = a.member_id
ORDER BY a.provider_id, a.member_id
