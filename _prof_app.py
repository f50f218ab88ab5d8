import cProfile, pstats, runpy, time
pr = cProfile.Profile(); pr.enable(); t = time.perf_counter()
try:
    runpy.run_path("/work/wt/firststart/app.py", run_name="__main__")
finally:
    pr.disable()
    print("script", round(time.perf_counter() - t, 2))
    pstats.Stats(pr).sort_stats("cumulative").print_stats(70)
