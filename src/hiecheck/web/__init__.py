"""`hiecheck serve`: the check pipeline as a local web app (questionnaire, uploads, result page)."""
