-- What the feed lacks for CMS165: one row per feed check (id, count). The ids are the profile's
-- [[feed_checks]]; a count of 0 means nothing is missing for that check.
WITH p AS (SELECT * FROM params),
htn_patients AS (
    SELECT DISTINCT m.facility, m.patient_key
    FROM hl7_dx AS d JOIN hl7_messages AS m USING (msg_id)
    JOIN vs_code AS v ON v.value_set = 'essential_hypertension' AND v.system = 'ICD10CM' AND v.code = d.code
),
bp_obs AS (
    SELECT o.*, m.facility, m.patient_key, m.patient_class, v.value_set,
           coalesce(o.obs_date, m.msg_date) AS day
    FROM hl7_obs AS o JOIN hl7_messages AS m USING (msg_id)
    JOIN vs_code AS v ON v.system = 'LOINC' AND v.code = o.loinc
         AND v.value_set IN ('systolic_bp', 'diastolic_bp', 'bp_panel')
),
by_patient AS (
    SELECT facility, patient_key,
           bool_and(coalesce(patient_class, '') IN ('E', 'I')) AS only_ed_inpatient
    FROM bp_obs GROUP BY facility, patient_key
),
unpaired AS (
    SELECT facility, patient_key, day
    FROM bp_obs WHERE value_set <> 'bp_panel'
    GROUP BY facility, patient_key, day
    HAVING count(DISTINCT value_set) = 1
)
SELECT 'diagnoses-never-sent' AS id, CASE WHEN (SELECT count(*) FROM hl7_dx) = 0 THEN 1 ELSE 0 END AS count
UNION ALL
SELECT 'vitals-never-sent', CASE WHEN (SELECT count(*) FROM bp_obs) = 0 THEN 1 ELSE 0 END
UNION ALL
SELECT 'birth-date-missing', count(*) FROM htn_patients AS h
WHERE NOT EXISTS (SELECT 1 FROM hl7_messages AS m WHERE m.facility = h.facility
                  AND m.patient_key = h.patient_key AND m.birth_date IS NOT NULL)
UNION ALL
SELECT 'diagnosis-date-missing', count(*) FROM hl7_dx AS d
JOIN vs_code AS v ON v.value_set = 'essential_hypertension' AND v.system = 'ICD10CM' AND v.code = d.code
WHERE d.dx_date IS NULL
UNION ALL
SELECT 'patient-class-missing', count(*) FROM bp_obs WHERE patient_class IS NULL
UNION ALL
SELECT 'readings-only-ed-inpatient', count(*) FROM htn_patients AS h
JOIN by_patient AS b USING (facility, patient_key) WHERE b.only_ed_inpatient
UNION ALL
SELECT 'unpaired-readings', count(*) FROM unpaired
UNION ALL
SELECT 'non-numeric-readings', count(*) FROM bp_obs
WHERE (value_set <> 'bp_panel' AND TRY_CAST(value_text AS DOUBLE) IS NULL)
   OR (value_set = 'bp_panel' AND NOT regexp_matches(coalesce(value_text, ''), '^\s*\d+(\.\d+)?\s*/\s*\d+(\.\d+)?\s*$'))
