"""Messages of budget.py (the time budget of the learning checks and what a TIMEOUT says is
slow): key: (English, 繁體中文)."""
HINTS = {
    "layer_hangs": (
        "Your {name} did not finish one forward + backward of {example} within {seconds:.0f} s: "
        "it is what is slow (or it hangs).",
        "你的 {name} 在 {seconds:.0f} 秒內連一次 {example} 的 forward + backward 都沒有完成："
        "慢的是它（或它卡住了）。"),
    "time_elsewhere": (
        "Your layers take only {total_ms:.0f} ms of the {step_ms:.0f} ms step (the largest "
        "share: {name}, {top_ms:.0f} ms): the time goes elsewhere — in the model's own "
        "forward/backward code (the blocks, the model class), in the grader's transfers of the "
        "model's arrays, or in the machine being busy.",
        "你的各層只佔一步 {step_ms:.0f} ms 中的 {total_ms:.0f} ms（最多的是 {name}，{top_ms:.0f} ms）："
        "時間花在別處——模型本身的 forward/backward 程式碼（區塊、模型類別）、批改程式傳送模型陣列的時間，"
        "或是這台機器很忙。"),
    "machine_slow": (
        "No layer of yours is far from a vectorised one (the largest share is {name}, "
        "{top_ms:.0f} ms per step, {ratio:.1f}× a vectorised {name}): the machine is slow or busy.",
        "你的每一層都和向量化的版本差不多（佔最多時間的是 {name}，每步 {top_ms:.0f} ms，"
        "是向量化 {name} 的 {ratio:.1f} 倍）：是這台機器慢或忙碌。"),
    "list_separator": (", ", "、"),
    "also_slow": ("; also slow: {layers}", "；其他也慢的：{layers}"),
    "slowest_layer": (
        "Most of each step is your {name}: {top_ms:.0f} ms per step ({uses}, e.g. {example}) "
        "of the {total_ms:.0f} ms all its layers take, where a vectorised {name} takes "
        "{trusted_ms:.1f} ms here ({ratio:.0f}× faster){more}. Loops over pixels or samples in "
        "{name} are what to remove first.",
        "每一步的大部分時間在你的 {name}：每步 {top_ms:.0f} ms（{uses}，例如 {example}），所有層合計 "
        "{total_ms:.0f} ms；向量化的 {name} 在這裡只要 {trusted_ms:.1f} ms（快 {ratio:.0f} 倍）{more}。"
        "最該先拿掉的是 {name} 裡對像素或樣本的迴圈。"),
    "uses": ("{n} use", "用了 {n} 次"),
    "uses_plural": ("{n} uses", "用了 {n} 次"),
    "no_step": (
        "{what}: not even one training step finished within the time limit",
        "{what}：連一步訓練都沒有在時間限制內完成"),
    "figures": (
        "one training step took {step:.3f} s, so its {steps} steps need about {total:.0f} s, "
        "{need:.0f} s with the margin kept for a busy machine; this check allows up to {cap:.0f} s",
        "一步訓練花了 {step:.3f} 秒，{steps} 步約需 {total:.0f} 秒，加上為忙碌的機器保留的餘裕是 "
        "{need:.0f} 秒；這項檢查最多允許 {cap:.0f} 秒"),
    "stopped_before": (
        "{what} would not finish within the time limit, so it was stopped at the start: {figures}",
        "{what}不可能在時間限制內完成，所以一開始就停止了：{figures}"),
    "stopped_after": (
        "{what}: training finished, but the final evaluation did not finish within the time "
        "limit ({figures})",
        "{what}：訓練完成了，但最後的評估沒有在時間限制內完成（{figures}）"),
    "stopped_during": (
        "{what} did not finish within the time it was given ({figures}): the steps got slower "
        "as it ran, or it hangs",
        "{what}沒有在給它的時間內完成（{figures}）：訓練途中越來越慢，或是卡住了"),
    "steps_done": (" ({done} of at most {steps} steps done)", "（最多 {steps} 步，完成了 {done} 步）"),
    "sentence_end": (". ", "。"),
    "scale_to_use": (" Or grade with --timeout-scale {scale}.", "或用 --timeout-scale {scale} 重新評分。"),
    "scale_unknown": (" Or grade with a much larger --timeout-scale.",
                      "或用大很多的 --timeout-scale 重新評分。"),
}
