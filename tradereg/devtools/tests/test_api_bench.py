import pytest

from tradereg.devtools.api_bench import BATCH_CODES, bench_api
from tradereg.registry.tests.helpers import published

pytestmark = pytest.mark.usefixtures("reference_data")


def test_bench_api_times_the_api_beside_its_pages(client, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    for n in range(6):
        published(name_cn=f"北京华兴贸易有限公司{n}")
    rows = bench_api(client=client, names=["华兴", "贸易"], samples=4)
    assert [(label, count) for label, count, _api, _page in rows] == [
        ("一个经营者", 4),
        ("名称查询", 2),
        (f"批量核验 {BATCH_CODES:,} 个代码", 5),
    ]
    for _label, count, api_times, page_times in rows:
        assert len(api_times) == count
        assert all(seconds > 0 for seconds in api_times + page_times)
    assert len(rows[0][3]) == 4
    assert rows[2][3] == []
