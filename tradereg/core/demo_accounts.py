"""The demo accounts `make run` creates and README lists, in a module without models so
that the deployment check (``core.checks``) can name them while apps are still loading.
Roles are ``User.Role`` values.
"""

DEMO_PASSWORD = "Demo@2026a"
DEMO_ACCOUNTS = [
    (
        "mofcom",
        "system_admin",
        None,
        "系统管理员（机关、工作人员、参考数据、法律法规、公告）",
    ),
    ("secadmin", "security_admin", None, "安全管理员（解锁账户、安全策略）"),
    ("auditor", "auditor", None, "审计管理员（/audit/ 审计记录）"),
    ("beijing", "officer", "110000", "北京市商务局"),
    ("shanghai", "officer", "310000", "上海市商务委员会"),
    ("guangdong", "supervisor", "440000", "广东省商务厅（省级主管机关，只读）"),
]
DEMO_ENTERPRISE = "demo-enterprise"
