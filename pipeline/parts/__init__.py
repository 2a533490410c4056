"""The bulletin's parts, one module each: overview (the period at a glance), portrait (Part I),
security (Part II), incidents (Part III), media (Part IV), dynamics (Part V). Pure functions from
the validated raw data to tables; survey holds what Parts I and II share.
"""
