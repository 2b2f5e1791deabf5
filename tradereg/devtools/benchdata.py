"""Generated published operators for the benchmark (`make bench`), never for real data.

Names are built the way real registrations are (region + 字号 + trade + organisation form)
from weighted lists, so that bigram postings are as skewed as in the real register: every
name holds 有限 or 公司, a few hundred 字号 characters make most of the rest.
"""

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from itertools import accumulate

from tradereg.common import codes
from tradereg.registry.grams import approved_us, grams, operator_key, signature

# city, pinyin, province (short), region code, weight (roughly by foreign trade volume)
CITIES = [
    ("深圳", "Shenzhen", "广东", "440300", 40), ("上海", "Shanghai", "上海", "310000", 38),
    ("广州", "Guangzhou", "广东", "440100", 25), ("宁波", "Ningbo", "浙江", "330200", 22),
    ("苏州", "Suzhou", "江苏", "320500", 22), ("北京", "Beijing", "北京", "110000", 20),
    ("东莞", "Dongguan", "广东", "441900", 18), ("金华", "Jinhua", "浙江", "330700", 16),
    ("杭州", "Hangzhou", "浙江", "330100", 15), ("厦门", "Xiamen", "福建", "350200", 14),
    ("青岛", "Qingdao", "山东", "370200", 13), ("佛山", "Foshan", "广东", "440600", 12),
    ("天津", "Tianjin", "天津", "120000", 11), ("温州", "Wenzhou", "浙江", "330300", 10),
    ("泉州", "Quanzhou", "福建", "350500", 9), ("无锡", "Wuxi", "江苏", "320200", 8),
    ("南京", "Nanjing", "江苏", "320100", 8), ("台州", "Taizhou", "浙江", "331000", 7),
    ("绍兴", "Shaoxing", "浙江", "330600", 7), ("中山", "Zhongshan", "广东", "442000", 6),
    ("嘉兴", "Jiaxing", "浙江", "330400", 6), ("福州", "Fuzhou", "福建", "350100", 6),
    ("大连", "Dalian", "辽宁", "210200", 5), ("成都", "Chengdu", "四川", "510100", 5),
    ("常州", "Changzhou", "江苏", "320400", 5), ("南通", "Nantong", "江苏", "320600", 5),
    ("烟台", "Yantai", "山东", "370600", 4), ("武汉", "Wuhan", "湖北", "420100", 4),
    ("重庆", "Chongqing", "重庆", "500000", 4), ("惠州", "Huizhou", "广东", "441300", 4),
    ("汕头", "Shantou", "广东", "440500", 3), ("江门", "Jiangmen", "广东", "440700", 3),
    ("湖州", "Huzhou", "浙江", "330500", 3), ("潍坊", "Weifang", "山东", "370700", 3),
    ("济南", "Jinan", "山东", "370100", 3), ("郑州", "Zhengzhou", "河南", "410100", 3),
    ("长沙", "Changsha", "湖南", "430100", 3), ("西安", "Xi'an", "陕西", "610100", 3),
    ("合肥", "Hefei", "安徽", "340100", 3), ("漳州", "Zhangzhou", "福建", "350600", 2),
    ("威海", "Weihai", "山东", "371000", 2), ("扬州", "Yangzhou", "江苏", "321000", 2),
    ("徐州", "Xuzhou", "江苏", "320300", 2), ("珠海", "Zhuhai", "广东", "440400", 2),
    ("沈阳", "Shenyang", "辽宁", "210100", 2), ("南昌", "Nanchang", "江西", "360100", 2),
    ("石家庄", "Shijiazhuang", "河北", "130100", 2), ("唐山", "Tangshan", "河北", "130200", 1),
    ("昆明", "Kunming", "云南", "530100", 1), ("南宁", "Nanning", "广西", "450100", 1),
    ("长春", "Changchun", "吉林", "220100", 1), ("哈尔滨", "Harbin", "黑龙江", "230100", 1),
    ("太原", "Taiyuan", "山西", "140100", 1), ("海口", "Haikou", "海南", "460100", 1),
    ("贵阳", "Guiyang", "贵州", "520100", 1), ("兰州", "Lanzhou", "甘肃", "620100", 1),
    ("乌鲁木齐", "Urumqi", "新疆", "650100", 1), ("呼和浩特", "Hohhot", "内蒙古", "150100", 1),
]  # fmt: skip
MUNICIPALITY_AUTHORITIES = {
    "110000": "北京市商务局", "120000": "天津市商务局",
    "310000": "上海市商务委员会", "500000": "重庆市商务委员会",
}  # fmt: skip


def _pairs(text: str) -> list[tuple[str, str]]:
    """``"华hua 兴xing"`` → [("华", "Hua"), ("兴", "Xing")]."""
    return [(word[0], word[1:].capitalize()) for word in text.split()]


# 字号 characters and their pinyin, most used first (weights fall off as 1/rank).
BRAND_CHARS = _pairs(
    "华hua 兴xing 达da 鑫xin 宏hong 盛sheng 源yuan 信xin 通tong 丰feng 泰tai 恒heng 金jin "
    "新xin 安an 宇yu 创chuang 利li 联lian 顺shun 德de 嘉jia 瑞rui 海hai 天tian 东dong 中zhong "
    "鸿hong 远yuan 博bo 永yong 明ming 荣rong 昌chang 隆long 富fu 佳jia 成cheng 汇hui 国guo "
    "大da 方fang 福fu 光guang 正zheng 美mei 力li 广guang 亿yi 万wan 豪hao 腾teng 飞fei 龙long "
    "凯kai 森sen 林lin 诚cheng 志zhi 智zhi 康kang 健jian 祥xiang 瀚han 骏jun 峰feng 晨chen "
    "欣xin 怡yi 景jing 乐le 立li 邦bang 捷jie 盈ying 宝bao 元yuan 亚ya 欧ou 环huan 球qiu "
    "百bai 合he 众zhong 威wei 扬yang 振zhen 俊jun 泽ze 君jun 英ying 杰jie 勤qin 实shi 友you "
    "旺wang 好hao 益yi 民min 仁ren 义yi 世shi 纪ji 时shi 代dai 开kai 拓tuo 进jin 展zhan 耀yao "
    "辉hui 煌huang 蓝lan 青qing 山shan 江jiang 河he 湖hu 云yun 雨yu 春chun 秋qiu 冠guan "
    "兆zhao 伟wei 业ye 汉han 唐tang 晟sheng 昊hao 驰chi 铭ming 慧hui 聚ju 协xie 精jing 工gong "
    "诺nuo 赛sai 思si 维wei 格ge 派pai 迪di 尔er 特te 斯si 克ke 普pu 莱lai 锦jin 程cheng "
    "星xing 辰chen 长chang 风feng 润run 和he 卓zhuo 越yue 鼎ding 航hang 桥qiao 禾he 阳yang "
    "高gao 上shang 太tai 平ping 宁ning 彩cai 虹hong 红hong 绿lv 银yin 铁tie"
)

TRADES = [
    ("进出口", "Import & Export", 30), ("贸易", "Trading", 25), ("科技", "Technology", 25),
    ("国际贸易", "International Trade", 15), ("实业", "Industrial", 10),
    ("电子", "Electronics", 10), ("电子科技", "Electronic Technology", 8),
    ("机械", "Machinery", 7), ("服饰", "Apparel", 6), ("纺织", "Textile", 6),
    ("食品", "Food", 6), ("化工", "Chemical", 6), ("供应链管理", "Supply Chain Management", 5),
    ("医疗器械", "Medical Equipment", 4), ("家具", "Furniture", 4), ("五金", "Hardware", 4),
    ("机电", "Mechanical & Electrical", 4), ("工艺品", "Arts & Crafts", 3),
    ("农产品", "Agricultural Products", 3), ("建材", "Building Materials", 3),
    ("塑料制品", "Plastic Products", 3), ("鞋业", "Footwear", 3), ("玩具", "Toys", 3),
    ("灯饰", "Lighting", 3), ("汽车配件", "Auto Parts", 3), ("新能源", "New Energy", 3),
    ("光电", "Optoelectronics", 2), ("生物科技", "Biotechnology", 2), ("物流", "Logistics", 2),
    ("电器", "Electric Appliance", 2), ("包装", "Packaging", 2), ("钢铁", "Iron & Steel", 2),
    ("矿产", "Minerals", 1), ("水产", "Aquatic Products", 1), ("茶业", "Tea", 1),
    ("陶瓷", "Ceramics", 1), ("箱包", "Luggage", 1), ("家居用品", "Home Products", 1),
    ("仪器仪表", "Instruments", 1), ("通信设备", "Communication Equipment", 1),
    ("信息技术", "Information Technology", 1), ("环保科技", "Environmental Technology", 1),
    ("珠宝", "Jewelry", 1), ("皮革", "Leather", 1), ("医药", "Pharmaceutical", 1),
    ("电线电缆", "Wire & Cable", 1), ("商贸", "Commerce & Trade", 2),
]  # fmt: skip
FORMS = [
    ("有限公司", "Co., Ltd.", 70), ("有限责任公司", "Co., Ltd.", 10),
    ("股份有限公司", "Stock Co., Ltd.", 4), ("集团有限公司", "Group Co., Ltd.", 2),
    ("商行", "Trading Firm", 5), ("经营部", "Business Department", 4), ("厂", "Factory", 4),
    ("店", "Store", 1),
]  # fmt: skip
OPERATOR_TYPES = [
    ("私营企业", 60), ("国有企业", 3), ("集体企业", 2), ("中外合资企业", 5),
    ("中外合作企业", 1), ("外商独资企业", 8), ("其他企业", 8), ("外国（地区）企业", 1),
    ("个体工商户（独资经营者）", 12),
]  # fmt: skip
STREETS = [("人民路", "Renmin Road"), ("建设大道", "Jianshe Avenue"), ("解放路", "Jiefang Road"),
           ("中山路", "Zhongshan Road"), ("长江路", "Changjiang Road"), ("科技园路", "Keji Road"),
           ("工业大道", "Gongye Avenue"), ("滨海大道", "Binhai Avenue")]  # fmt: skip
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红文辉玲晶斌"

COLUMNS = [
    "filing_id", "ie_code", "form_no", "uscc", "org_code", "name_cn", "name_en",
    "operator_type", "residence", "premises_cn", "premises_en", "postcode", "phone", "fax",
    "representative", "authority_name", "authority_code", "approved_at", "status",
    "revision_number", "published_at", "search_key",
]  # fmt: skip

# Out of the range of real filings and form numbers, so the printing benchmark (which
# imports a filing into the same database) never meets a generated operator.
FILING_ID_BASE = 1_000_000_000
_START = datetime(2004, 7, 1, tzinfo=UTC)
_SPAN_SECONDS = int((datetime(2022, 12, 29, tzinfo=UTC) - _START).total_seconds())


def _zipf(count: int) -> list[float]:
    return [1 / (rank + 1) for rank in range(count)]


def _org_code(index: int) -> str:
    """A distinct valid organisation code for each index (a permutation of 10^8)."""
    body = f"{(index * 7_368_787 + 31_415_926) % 100_000_000:08d}"
    return body + codes.org_code_check_char(body)


def _phone(rng: random.Random) -> str:
    return f"0{rng.randint(10, 999)}-{rng.randint(20_000_000, 89_999_999)}"


def operator_rows(
    *, count: int, seed: int = 2026, first_id: int = 1, total: int | None = None
) -> Iterator[tuple]:
    """``count`` rows in the order of :data:`COLUMNS`, ids from ``first_id``, of a register
    of ``total`` (default ``count``); the same arguments give the same rows.

    Operators are numbered in approval order, as a register fills up (more of them in
    recent years), so a gram's postings arrive in key order batch after batch.
    """
    total = total or count
    rng = random.Random(seed)  # noqa: S311 - reproducible benchmark data, not secrets
    choices = rng.choices
    brands = BRAND_CHARS
    brand_cum = list(accumulate(_zipf(len(brands))))
    city_cum = list(accumulate(city[4] for city in CITIES))
    trade_cum = list(accumulate(trade[2] for trade in TRADES))
    form_cum = list(accumulate(form[2] for form in FORMS))
    type_names = [name for name, _w in OPERATOR_TYPES]
    type_cum = list(accumulate(weight for _n, weight in OPERATOR_TYPES))
    for offset in range(count):
        index = first_id + offset
        city, city_en, province, region, _w = choices(CITIES, cum_weights=city_cum)[0]
        size = 3 if rng.random() < 0.2 else 2
        brand = choices(brands, cum_weights=brand_cum, k=size)
        trade, trade_en, _w = choices(TRADES, cum_weights=trade_cum)[0]
        form, form_en, _w = choices(FORMS, cum_weights=form_cum)[0]
        roll = rng.random()
        prefix = (
            f"{city}市" if roll < 0.55 else city if roll < 0.7 else province if roll < 0.8 else ""
        )
        brand_cn = "".join(char for char, _p in brand)
        brand_en = "".join(pinyin for _c, pinyin in brand).capitalize()
        name_cn = f"{prefix}{brand_cn}{trade}{form}"
        name_en = f"{city_en if prefix else ''} {brand_en} {trade_en} {form_en}".strip()
        org = _org_code(index)
        if rng.random() < 0.9:
            body = f"91{region}{org}"
            uscc = body + codes.uscc_check_char(body)
        else:
            uscc = ""
        street, street_en = rng.choice(STREETS)
        number = rng.randint(1, 999)
        share = (index - 1 + rng.random()) / total
        approved = _START + timedelta(microseconds=int(_SPAN_SECONDS * 1e6 * share**0.7))
        authority = MUNICIPALITY_AUTHORITIES.get(region, f"{city}市商务局")
        yield (
            FILING_ID_BASE + index, region[:4] + org, f"9{index:07d}", uscc, org, name_cn, name_en,
            choices(type_names, cum_weights=type_cum)[0],
            f"{city}市{street}{number}号", f"{city}市{street}{number}号",
            f"No. {number} {street_en}, {city_en}", f"{region[:2]}{rng.randint(0, 9999):04d}",
            _phone(rng), "" if rng.random() < 0.6 else _phone(rng),
            rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(["", *GIVEN]),
            authority, region, approved,
            "cancelled" if rng.random() < 0.03 else "approved",
            rng.randint(1, 3), approved, operator_key(name_cn=name_cn, name_en=name_en),
        )  # fmt: skip


def posting_rows(row: tuple) -> list[tuple[str, int, int, int]]:
    """The gram postings of one generated row: (gram, approved_us, operator id,
    signature), where the operator id is the row's position (its filing id less
    FILING_ID_BASE).
    """
    key = row[COLUMNS.index("search_key")]
    moment = approved_us(row[COLUMNS.index("approved_at")])
    operator_id = row[0] - FILING_ID_BASE
    mark = signature(key)
    return [(gram, moment, operator_id, mark) for gram in grams(key)]
