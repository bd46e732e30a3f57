"""The board's GPU column: NVML's numbers when there are GPUs, nothing (and no error) when there are none."""

import sys
import types

from cmathlab.study.gpus import gpu_line


def test_without_the_package_or_nvidias_driver_library_the_board_shows_no_gpu(monkeypatch):
    monkeypatch.setitem(sys.modules, "pynvml", None)  # not installed
    assert gpu_line() == ""

    def no_library():
        raise OSError("NVML Shared Library Not Found")

    monkeypatch.setitem(sys.modules, "pynvml", types.SimpleNamespace(nvmlInit=no_library))
    assert gpu_line() == ""


def test_with_nvml_each_gpus_memory_and_utilisation(monkeypatch):
    fake = types.SimpleNamespace(
        nvmlInit=lambda: None,
        nvmlShutdown=lambda: None,
        nvmlDeviceGetCount=lambda: 2,
        nvmlDeviceGetHandleByIndex=lambda i: i,
        nvmlDeviceGetMemoryInfo=lambda h: types.SimpleNamespace(used=(h + 1) * 2**30, total=80 * 2**30),
        nvmlDeviceGetUtilizationRates=lambda h: types.SimpleNamespace(gpu=50 + h),
    )
    monkeypatch.setitem(sys.modules, "pynvml", fake)
    assert gpu_line() == "GPU0 1.0/80.0 GiB 50 % · GPU1 2.0/80.0 GiB 51 %"


def test_a_gpu_that_stops_answering_leaves_the_column_empty(monkeypatch):
    def broken(h):
        raise RuntimeError("GPU is lost")

    fake = types.SimpleNamespace(
        nvmlInit=lambda: None,
        nvmlShutdown=lambda: None,
        nvmlDeviceGetCount=lambda: 1,
        nvmlDeviceGetHandleByIndex=lambda i: i,
        nvmlDeviceGetMemoryInfo=broken,
    )
    monkeypatch.setitem(sys.modules, "pynvml", fake)
    assert gpu_line() == ""
