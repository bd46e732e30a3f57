"""This node's GPUs as the study board shows them: memory in use and utilisation, read from NVML
(`nvidia-ml-py`). Without a GPU, or without NVIDIA's driver library, there is nothing to show and no error."""

from __future__ import annotations


def gpu_line() -> str:
    """'GPU0 12.3/139.8 GiB 87 %' for each GPU of this node, or '' when NVML cannot be read."""
    try:
        import pynvml

        pynvml.nvmlInit()
    except Exception:  # noqa: BLE001 - no package, no driver library, no device: the board shows no GPU column
        return ""
    try:
        parts = []
        for i in range(pynvml.nvmlDeviceGetCount()):
            handle = pynvml.nvmlDeviceGetHandleByIndex(i)
            memory = pynvml.nvmlDeviceGetMemoryInfo(handle)
            busy = pynvml.nvmlDeviceGetUtilizationRates(handle).gpu
            parts.append(f"GPU{i} {memory.used / 2**30:.1f}/{memory.total / 2**30:.1f} GiB {busy} %")
        return " · ".join(parts)
    except Exception:  # noqa: BLE001 - a device that stops answering mid-study must not stop the study
        return ""
    finally:
        try:
            pynvml.nvmlShutdown()
        except Exception:  # noqa: BLE001
            pass
