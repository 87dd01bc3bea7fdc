-- CMS165 logic over the tables extracted from HL7 v2 messages. One row per patient per facility.
WITH p AS (
    SELECT *, (period_start + to_months(diagnosis_months) - INTERVAL 1 DAY)::DATE AS dx_by
    FROM params
),
msgs AS (SELECT * FROM hl7_messages WHERE patient_key IS NOT NULL),
patients AS (
    SELECT facility AS provider_id, patient_key AS member_id,
           arg_min(ref, msg_id) AS member_ref, max(birth_date) AS birth_date
    FROM msgs GROUP BY facility, patient_key
),
dx AS (
    SELECT m.facility, m.patient_key, d.code, coalesce(d.dx_date, m.msg_date) AS dx_day, d.ref
    FROM hl7_dx AS d JOIN msgs AS m USING (msg_id)
),
hypertension AS (
    SELECT dx.facility, dx.patient_key,
           min(dx.dx_day) FILTER (WHERE dx.dx_day <= p.dx_by) AS early_day,
           count(*) AS diagnoses
    FROM dx
    CROSS JOIN p
    JOIN vs_code AS v ON v.value_set = 'essential_hypertension' AND v.system = 'ICD10CM' AND v.code = dx.code
    GROUP BY dx.facility, dx.patient_key
),
excluded AS (
    SELECT DISTINCT dx.facility, dx.patient_key
    FROM dx
    CROSS JOIN p
    LEFT JOIN vs_code AS v ON v.value_set = 'cbp_exclusion_dx' AND v.system = 'ICD10CM' AND v.code = dx.code
    LEFT JOIN vs_prefix AS x ON x.value_set = 'cbp_exclusion_dx' AND starts_with(dx.code, x.prefix)
    WHERE dx.dx_day BETWEEN p.period_start AND p.period_end
      AND (v.code IS NOT NULL OR x.prefix IS NOT NULL)
),
visits AS (
    SELECT DISTINCT m.facility, m.patient_key
    FROM msgs AS m, p
    WHERE m.patient_class IN ('O', 'R') AND m.msg_date BETWEEN p.period_start AND p.period_end
),
-- Readings: component OBX as themselves, a panel OBX valued 'sys/dia' as both.
readings AS (
    SELECT o.msg_id, o.ref, coalesce(o.obs_date, m.msg_date) AS day, m.facility, m.patient_key,
           m.patient_class, v.value_set AS kind, TRY_CAST(o.value_text AS DOUBLE) AS value
    FROM hl7_obs AS o
    JOIN msgs AS m USING (msg_id)
    JOIN vs_code AS v ON v.system = 'LOINC' AND v.code = o.loinc
         AND v.value_set IN ('systolic_bp', 'diastolic_bp')
    WHERE coalesce(o.status, '') NOT IN ('D', 'W', 'X')
    UNION ALL
    SELECT o.msg_id, o.ref, coalesce(o.obs_date, m.msg_date), m.facility, m.patient_key,
           m.patient_class, part.kind,
           TRY_CAST(CASE part.kind
                        WHEN 'systolic_bp' THEN regexp_extract(o.value_text, '^\s*([0-9.]+)\s*/', 1)
                        ELSE regexp_extract(o.value_text, '/\s*([0-9.]+)\s*$', 1) END AS DOUBLE)
    FROM hl7_obs AS o
    JOIN msgs AS m USING (msg_id)
    JOIN vs_code AS v ON v.system = 'LOINC' AND v.code = o.loinc AND v.value_set = 'bp_panel'
    CROSS JOIN (VALUES ('systolic_bp'), ('diastolic_bp')) AS part(kind)
    WHERE coalesce(o.status, '') NOT IN ('D', 'W', 'X')
),
bp_days AS (
    SELECT r.facility, r.patient_key, r.day,
           min(r.value) FILTER (WHERE r.kind = 'systolic_bp') AS systolic,
           min(r.value) FILTER (WHERE r.kind = 'diastolic_bp') AS diastolic,
           arg_min(r.ref, r.msg_id) AS ref
    FROM readings AS r, p
    WHERE r.day BETWEEN p.period_start AND p.period_end
      AND coalesce(r.patient_class, '') NOT IN ('E', 'I')
      AND r.value IS NOT NULL
    GROUP BY r.facility, r.patient_key, r.day
    HAVING systolic IS NOT NULL AND diastolic IS NOT NULL
),
last_day AS (
    SELECT facility, patient_key, arg_max(day, day) AS day, arg_max(systolic, day) AS systolic,
           arg_max(diastolic, day) AS diastolic, arg_max(ref, day) AS ref
    FROM bp_days GROUP BY facility, patient_key
)
SELECT pt.provider_id,
       pt.member_id,
       pt.member_ref,
       CASE WHEN h.patient_key IS NULL THEN 'no-hypertension'
            WHEN h.early_day IS NULL THEN 'hypertension-after-first-months'
            WHEN pt.birth_date IS NULL THEN 'age-unknown'
            WHEN date_sub('year', pt.birth_date, p.period_end) NOT BETWEEN p.min_age AND p.max_age
                THEN 'age-out-of-range'
            WHEN v.patient_key IS NULL THEN 'no-outpatient-visit'
            WHEN x.patient_key IS NOT NULL THEN 'excluded'
            WHEN ld.patient_key IS NULL THEN 'no-reading'
            WHEN ld.systolic < p.systolic_below AND ld.diastolic < p.diastolic_below THEN 'controlled'
            ELSE 'not-controlled' END AS status,
       ld.ref AS ref_reading,
       h.early_day AS value_hypertension_date,
       ld.day AS value_reading_date,
       ld.systolic AS value_systolic,
       ld.diastolic AS value_diastolic
FROM patients AS pt
CROSS JOIN p
LEFT JOIN hypertension AS h ON h.facility = pt.provider_id AND h.patient_key = pt.member_id
LEFT JOIN visits AS v ON v.facility = pt.provider_id AND v.patient_key = pt.member_id
LEFT JOIN excluded AS x ON x.facility = pt.provider_id AND x.patient_key = pt.member_id
LEFT JOIN last_day AS ld ON ld.facility = pt.provider_id AND ld.patient_key = pt.member_id
ORDER BY pt.provider_id, pt.member_id
