"""The run machinery: the steps of a run (steps), executing them (engine), several periods at once
(batch), a run's temporary folder (scratch), executed notebooks compared (notebooks).
Kept free of imports so that importing one of its modules does not load the others.
"""
