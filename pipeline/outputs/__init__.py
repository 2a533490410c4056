"""What goes out: charts and maps, the data package, the reconciliation with the published
figures, the bulletin (report helpers and the Quarto render), and the period's outputs folder
(publish: locking it and swapping a run's result in).
"""
