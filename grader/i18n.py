"""Every label the grader prints, in English and 繁體中文. Check titles and hints carry
both languages themselves (grader.checks.Msg)."""
import locale
import os

LANGS = ("en", "zh-TW")


class Msg(dict):
    """A bilingual text: Msg("English", "繁體中文")."""

    def __init__(self, en, zh):
        super().__init__({"en": en, "zh-TW": zh})

    def __add__(self, other):
        return Msg(self["en"] + other["en"], self["zh-TW"] + other["zh-TW"])


LABELS = {
    "PASS": ("PASS", "通過"),
    "PARTIAL": ("PARTIAL", "部分通過"),
    "FAIL": ("FAIL", "失敗"),
    "TODO": ("TODO", "未完成"),
    "TIMEOUT": ("TIMEOUT", "逾時"),
    "ERROR": ("ERROR", "錯誤"),
    "CRASH": ("CRASH", "崩潰"),
    "FORBIDDEN": ("FORBIDDEN", "禁止使用"),
    "check": ("Check", "檢查項目"),
    "status": ("Status", "狀態"),
    "points": ("Points", "分數"),
    "time": ("Time", "時間"),
    "hint": ("Hint", "提示"),
    "module": ("Module {n}", "Module {n}"),
    "bonus_tag": ("bonus", "選做"),
    "required_total": ("required", "必做"),
    "bonus_total": ("bonus", "選做加分"),
    "total": ("Total", "總分"),
    "seed": ("seed", "隨機種子"),
    "target": ("target", "批改目錄"),
    "wall": ("wall time", "總耗時"),
    "isolation": ("isolation", "隔離方式"),
    "no_sandbox_warning": ("no sandbox: your code ran as a plain process ({detail}); fine for "
                           "your own code, never for grading others'",
                           "沒有沙盒：你的程式以一般程序執行（{detail}）；批改自己的程式可以，"
                           "批改別人的程式不行"),
    "reproduce": ("reproduce with", "重現這次結果"),
    "grading": ("Grading", "批改中"),
    "see": ("see", "參見"),
    "title": ("CNN from scratch · grader", "從零實作 CNN · 自動批改"),
    "no_checks": ("no check matches", "沒有符合的檢查項目"),
    "list_header": ("Checks", "檢查項目"),
    "required": ("required", "必做"),
    "optional": ("optional (bonus)", "選做（加分）"),
    "output": ("output of your code", "你的程式輸出"),
    "review_concept": ("review the idea behind {title}", "請複習「{title}」背後的觀念"),
    "review_where": (" ({doc})", "（{doc}）"),
    "untouched": ("{path}: its {n} checks are all still TODO",
                  "{path}：{n} 項檢查都還是 TODO（未完成）"),
    "watching": ("watching {target}: save a file to re-grade, Ctrl-C to stop",
                 "監看 {target} 中：存檔就會重新批改，按 Ctrl-C 結束"),
    "stopped": ("stopped watching", "已停止監看"),
    "below": ("score {score:.1f} % is below --fail-under {limit:g} %",
              "分數 {score:.1f} % 低於 --fail-under {limit:g} %"),
    # python -m grader bench (grader/bench.py)
    "bench_title": ("CNN from scratch · bench", "從零實作 CNN · 速度比較"),
    "bench_threads": ("threads", "執行緒"),
    "bench_gemm": ("numpy GEMM {gflops:.1f} GFLOP/s ({n}×{n} float64)",
                   "numpy GEMM {gflops:.1f} GFLOP/s（{n}×{n} float64）"),
    "bench_no_gemm": ("numpy GEMM rate unknown ({why}): × GEMM limit shows —",
                      "無法測得 numpy GEMM 速率（{why}）：× GEMM 極限 顯示 —"),
    "bench_torch": ("PyTorch {version}, CPU float64, {threads} threads",
                    "PyTorch {version}，CPU float64，{threads} 個執行緒"),
    "bench_torch_stopped": ("PyTorch's process stopped at row {why}: the rows from there "
                            "on have no × PyTorch", "PyTorch 的行程在 {why} 停止：從該列起沒有 "
                            "× PyTorch"),
    "bench_torch_row_failed": ("PyTorch raised on {names} (no × PyTorch there): {why}",
                               "PyTorch 在 {names} 出錯（那裡沒有 × PyTorch）：{why}"),
    "bench_no_torch": ("PyTorch: not measured ({why}); python3 kit.py setup --oracle "
                       "installs it", "PyTorch：沒有量測（{why}）；python3 kit.py setup "
                       "--oracle 可安裝"),
    "bench_reference": ("reference: {path}, timed the same way", "參考解答：{path}，以同樣方式計時"),
    "bench_reference_self": ("reference: the target itself ({path}), so × reference is 1.0",
                             "參考解答：就是批改目錄本身（{path}），所以 × 參考解答 為 1.0"),
    "bench_no_reference": ("reference: not in this copy (a student release): × reference "
                           "shows —", "參考解答：這份副本中沒有（學生版）：× 參考解答 顯示 —"),
    "bench_repeats": ("median of {repeats} runs after a warm-up; at most {limit:g} s per row",
                      "暖身一次後取 {repeats} 次的中位數；每列最多 {limit:g} 秒"),
    "bench_layer": ("Layer", "層"),
    "bench_shape": ("Input", "輸入形狀"),
    "bench_ms": ("Yours\n(ms)", "你的\n(ms)"),
    "bench_x_reference": ("×\nreference", "×\n參考解答"),
    "bench_x_torch": ("×\nPyTorch", "×\nPyTorch"),
    "bench_x_gemm": ("× GEMM\nlimit", "× GEMM\n極限"),
    "bench_one_run": ("* no timed run fitted in the row's time limit: the warm-up's own time",
                      "* 在該列的時間上限內來不及重複計時：顯示暖身那一次的時間"),
    "bench_legend": ("× reference: your time / the reference's (1.0 = as fast as the course's "
                     "vectorised solution); × PyTorch: / PyTorch's; × GEMM limit: / the "
                     "row's matrix-product FLOPs at numpy's GEMM rate, the fastest this "
                     "approach can be (— : no matrix products). Speed is not graded.",
                     "× 參考解答：你的時間 / 參考解答的時間（1.0 = 和課程的向量化解答一樣快）；"
                     "× PyTorch：/ PyTorch 的時間；× GEMM 極限：/ 該列矩陣乘法的 FLOPs 以 numpy "
                     "的 GEMM 速率計算的時間，也就是這種做法最快能到的程度（—：沒有矩陣乘法）。"
                     "速度不計分。"),
    "bench_progress": ("Timing", "計時中"),
    "bench_progress_gemm": ("numpy's GEMM rate", "numpy 的 GEMM 速率"),
    "bench_progress_torch": ("starting PyTorch", "啟動 PyTorch"),
    "bench_left_out": ("left out: the tree has no {dir}/", "略過：目錄中沒有 {dir}/"),
    "bench_no_rows": ("no row matches", "沒有符合的列"),
    "bench_todo_stub": ("{name} is still a TODO (the skeleton's pass)",
                        "{name} 還是 TODO（骨架的 pass，未完成）"),
    "bench_todo_none": ("{name} returned None", "{name} 回傳了 None"),
    "bench_not_array": ("{name} returned a {kind}, not a numpy array",
                        "{name} 回傳的是 {kind}，不是 numpy 陣列"),
    "bench_not_pair": ("{name} did not return (loss, dscores)",
                       "{name} 沒有回傳 (loss, dscores)"),
    "bench_bad_logits": ("forward returned logits of shape {got}, expected {want}",
                         "forward 回傳的 logits 形狀是 {got}，應該是 {want}"),
    "bench_timeout": ("no answer within the row's {seconds:g} s (--timeout)",
                      "在該列的 {seconds:g} 秒內沒有回應（--timeout）"),
}


def detect_lang(explicit=None):
    """--lang if given, else zh-TW when the locale is Chinese (zh_TW, zh_HK, zh_*), else en."""
    if explicit:
        return explicit
    for var in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        value = os.environ.get(var, "")
        if value:
            return "zh-TW" if value.lower().startswith("zh") else "en"
    try:
        current = locale.getlocale()[0] or ""
    except ValueError:
        current = ""
    return "zh-TW" if current.lower().startswith("zh") else "en"


def t(key, lang, **fields):
    en, zh = LABELS[key]
    return (zh if lang == "zh-TW" else en).format(**fields)


def pick(msg, lang):
    """The text of a bilingual message (a dict with 'en' and 'zh-TW'), or ''."""
    if not msg:
        return ""
    return msg.get(lang) or msg.get("en", "")
