print("ogf-bench")
