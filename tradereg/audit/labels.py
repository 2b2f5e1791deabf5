"""Chinese names for the event codes and role values shown at /audit/.

Audit sits below every other app, so it names their events and roles by value here
instead of importing them; an event without a name here is shown by its code.
"""

from django.utils.translation import gettext_lazy as _

AUDITOR_ROLE = "auditor"

EVENT_LABELS = {
    "user_registered": _("注册用户"),
    "user_logged_in": _("登录"),
    "user_login_failed": _("登录失败"),
    "user_logged_out": _("退出"),
    "user_locked_out": _("账户锁定"),
    "user_unlocked": _("解除锁定"),
    "password_changed": _("修改密码"),
    "password_reset_requested": _("申请重置密码"),
    "password_reset_sent": _("发送重置密码邮件"),
    "password_reset_completed": _("重置密码"),
    "otp_bound": _("绑定动态验证码"),
    "otp_verified": _("动态验证码验证通过"),
    "otp_failed": _("动态验证码错误"),
    "otp_disabled": _("关闭动态验证码"),
    "recovery_code_used": _("使用恢复码"),
    "otp_device_reset": _("重置动态验证码"),
    "session_expired": _("会话超时"),
    "user_sessions_ended": _("结束用户全部会话"),
    "account_disabled_dormant": _("停用长期未登录账户"),
    "rate_limit_refused": _("操作过于频繁被拒绝"),
    "staff_user_created": _("创建工作人员账户"),
    "break_glass_created": _("创建应急管理员"),
    "account_claim_sent": _("发送开通用户邀请"),
    "account_claimed": _("开通用户"),
    "filing_saved": _("保存备案"),
    "filing_edited": _("编辑备案"),
    "filing_change_started": _("变更备案"),
    "filing_reported": _("上报备案"),
    "filing_approved": _("审核通过"),
    "filing_returned": _("退回"),
    "filing_cancelled": _("注销"),
    "filing_imported": _("导入备案"),
    "legacy_import_uploaded": _("上传历史数据"),
    "legacy_import_finished": _("完成历史数据导入"),
    "legacy_import_report_downloaded": _("下载历史数据导入报告"),
    "filing_viewed": _("查看备案"),
    "note_added": _("添加备注"),
    "attachment_added": _("上传附件"),
    "attachment_replaced": _("替换附件"),
    "attachment_deleted": _("删除附件"),
    "attachment_downloaded": _("下载附件"),
    "attachment_refused": _("拒绝上传附件"),
    "attachment_integrity_failed": _("附件校验失败"),
    "attachment_file_removed": _("按保存期限删除附件文件"),
    "id_number_revealed": _("查看完整证件号码"),
    "queue_exported": _("导出审核队列"),
    "statistics_exported": _("导出统计数据"),
    "form_print_opened": _("打印登记表"),
    "form_print_refused": _("打印登记表被拒绝"),
    "api_key_issued": _("签发接口密钥"),
    "api_key_revoked": _("吊销接口密钥"),
    "webhook_created": _("创建变更订阅"),
    "webhook_changed": _("修改变更订阅"),
    "webhook_deleted": _("删除变更订阅"),
    "form_verified": _("核验登记表"),
    "access_refused": _("拒绝访问"),
    "admin_changed": _("管理后台修改"),
    "security_policy_changed": _("修改安全策略"),
    "audit_viewed": _("查看审计记录"),
    "audit_exported": _("导出审计记录"),
    "audit_purged": _("清理审计记录"),
    "backup_created": _("备份数据"),
    "backup_restored": _("从备份恢复"),
}

ROLE_LABELS = {
    "enterprise": _("企业用户"),
    "officer": _("备案登记机关工作人员"),
    "supervisor": _("上级主管机关工作人员"),
    "system_admin": _("系统管理员"),
    "security_admin": _("安全管理员"),
    AUDITOR_ROLE: _("审计管理员"),
}

OBJECT_LABELS = {
    "filing": _("备案"),
    "attachment": _("附件"),
    "user": _("用户"),
    "legacy_import": _("历史数据导入"),
    "security_policy": _("安全策略"),
    "backup": _("备份"),
}


def event_label(code: str) -> str:
    label = EVENT_LABELS.get(code)
    return _("%(label)s（%(code)s）") % {"label": label, "code": code} if label else code


def role_label(value: str) -> str:
    return str(ROLE_LABELS.get(value, value))


def object_label(value: str) -> str:
    return str(OBJECT_LABELS.get(value, value))
