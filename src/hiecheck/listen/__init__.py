"""``hiecheck listen``: an MLLP endpoint that checks each message as ``validate`` does and answers
an HL7 ACK built from the findings.

Modules, one job each: :mod:`framing` (MLLP bytes → frames), :mod:`ack` (the ACK as a value, then
bytes), :mod:`codes` (rule ids → HL7 table 0357 codes), :mod:`capture` (append-only, fsynced
capture file), :mod:`tally` (counts and the live line), :mod:`server` (asyncio connections),
:mod:`cli` (the command).
"""
