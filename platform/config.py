"""Configuration: one object, read from the environment."""

import os
from dataclasses import dataclass, field
from pathlib import Path


def _default_database_url() -> str:
    return f"sqlite:///{Path.cwd() / 'instance' / 'motcua.sqlite'}"


@dataclass
class Config:
    # Signs sessions, API tokens and the desk's held files: none by default, so that no server
    # runs on a key anyone can read here (`motcua serve` refuses; the demo makes its own).
    SECRET_KEY: str = field(default_factory=lambda: os.environ.get("SECRET_KEY", ""))
    SQLALCHEMY_DATABASE_URI: str = field(
        default_factory=lambda: os.environ.get("DATABASE_URL") or _default_database_url()
    )
    # A pooled connection is tested before use: after a restart of the database the first
    # request of each connection would otherwise fail.
    SQLALCHEMY_ENGINE_OPTIONS: dict = field(default_factory=lambda: {"pool_pre_ping": True})
    # Files are addressed by their hash below this directory and never overwritten.
    STORAGE_DIR: str = field(
        default_factory=lambda: (
            os.environ.get("MOTCUA_STORAGE_DIR") or str(Path.cwd() / "instance" / "files")
        )
    )
    # A stored file no row refers to is deleted once it is this old (motcua.services.
    # storage_sweep): far longer than any form holds a file before its row is written.
    STORAGE_ORPHAN_HOURS: float = field(
        default_factory=lambda: float(os.environ.get("MOTCUA_STORAGE_ORPHAN_HOURS", "48"))
    )
    MAX_CONTENT_LENGTH: int = 50 * 1024 * 1024
    TIMEZONE: str = "Asia/Ho_Chi_Minh"
    # Office hours, "HH:MM-HH:MM" periods separated by commas.
    OFFICE_HOURS: str = field(
        default_factory=lambda: os.environ.get("MOTCUA_OFFICE_HOURS", "07:30-11:30,13:30-17:00")
    )
    TOKEN_MAX_AGE: int = 12 * 3600
    # werkzeug's method for new password hashes (services.auth). Tests set a cheap one
    # ("pbkdf2:sha256:1") so that signing in does not cost a real hash each time.
    PASSWORD_HASH_METHOD: str = "scrypt"
    SESSION_COOKIE_HTTPONLY: bool = True
    SESSION_COOKIE_SAMESITE: str = "Lax"
    # Secure cookies need HTTPS; the laptop demo serves plain HTTP on 127.0.0.1.
    SESSION_COOKIE_SECURE: bool = field(
        default_factory=lambda: os.environ.get("MOTCUA_SECURE_COOKIES", "0") == "1"
    )
    PERMANENT_SESSION_LIFETIME: int = 10 * 3600
    # Administrators (system and unit) sign in with a second factor (motcua.services.two_factor);
    # `motcua demo` turns it off, so that the demo's accounts open with their password alone.
    TWO_FACTOR_FOR_ADMINS: bool = field(
        default_factory=lambda: os.environ.get("MOTCUA_TWO_FACTOR_FOR_ADMINS", "1") == "1"
    )
    # How long the security log (sign-ins, dossiers opened) is kept, in days.
    SECURITY_LOG_DAYS: int = field(
        default_factory=lambda: int(os.environ.get("MOTCUA_SECURITY_LOG_DAYS", "365"))
    )
    # Reverse proxies in front of the app, whose X-Forwarded-For is trusted (the public lookup
    # counts failures per client address).
    PROXY_HOPS: int = field(default_factory=lambda: int(os.environ.get("MOTCUA_PROXY_HOPS", "0")))
    # The public lookup's limits on wrong tries within a window (services.lookup): a code tried
    # wrongly this often is locked, whoever tries it; an address (a shared desk kiosk serves many
    # people) is allowed more, as it tries many codes.
    LOOKUP_MAX_FAILURES_PER_CODE: int = field(
        default_factory=lambda: int(os.environ.get("MOTCUA_LOOKUP_MAX_FAILURES_PER_CODE", "5"))
    )
    LOOKUP_MAX_FAILURES_PER_ADDRESS: int = field(
        default_factory=lambda: int(os.environ.get("MOTCUA_LOOKUP_MAX_FAILURES_PER_ADDRESS", "30"))
    )
    LOOKUP_WINDOW_SECONDS: int = field(
        default_factory=lambda: int(os.environ.get("MOTCUA_LOOKUP_WINDOW_SECONDS", "900"))
    )
    # Outgoing mail (see motcua.services.outbox and `motcua worker`). An empty host
    # sends nothing: mails wait in the outbox until one is set. "console" writes each mail to
    # the worker's log and marks it sent (for the demo and development).
    # MOTCUA_SMTP_SSL=1: TLS from the connection's first byte (SMTPS, port 465 unless
    # MOTCUA_SMTP_PORT says otherwise); otherwise MOTCUA_SMTP_STARTTLS=1 (the default) upgrades
    # the connection on port 587 and sends nothing if the server cannot. The server's
    # certificate is verified against the system's CAs, or MOTCUA_SMTP_CA_FILE (a PEM file of a
    # private CA) when set.
    SMTP_HOST: str = field(default_factory=lambda: os.environ.get("MOTCUA_SMTP_HOST", ""))
    SMTP_SSL: bool = field(default_factory=lambda: os.environ.get("MOTCUA_SMTP_SSL", "0") == "1")
    SMTP_PORT: int = field(
        default_factory=lambda: int(
            os.environ.get("MOTCUA_SMTP_PORT")
            or ("465" if os.environ.get("MOTCUA_SMTP_SSL", "0") == "1" else "587")
        )
    )
    SMTP_CA_FILE: str = field(default_factory=lambda: os.environ.get("MOTCUA_SMTP_CA_FILE", ""))
    SMTP_USER: str = field(default_factory=lambda: os.environ.get("MOTCUA_SMTP_USER", ""))
    SMTP_PASSWORD: str = field(default_factory=lambda: os.environ.get("MOTCUA_SMTP_PASSWORD", ""))
    SMTP_STARTTLS: bool = field(
        default_factory=lambda: os.environ.get("MOTCUA_SMTP_STARTTLS", "1") == "1"
    )
    SMTP_TIMEOUT: float = field(
        default_factory=lambda: float(os.environ.get("MOTCUA_SMTP_TIMEOUT", "20"))
    )
    MAIL_FROM: str = field(
        default_factory=lambda: os.environ.get("MOTCUA_MAIL_FROM", "motcua@localhost")
    )
    # Where links in mails point (the lookup page, a dossier); no request to ask when the
    # worker writes a reminder.
    PUBLIC_URL: str = field(
        default_factory=lambda: os.environ.get("MOTCUA_PUBLIC_URL", "http://127.0.0.1:5000")
    )
    # Seconds between two rounds of the worker; attempts before a mail is given up (failed).
    WORKER_INTERVAL: float = field(
        default_factory=lambda: float(os.environ.get("MOTCUA_WORKER_INTERVAL", "30"))
    )
    MAIL_MAX_ATTEMPTS: int = field(
        default_factory=lambda: int(os.environ.get("MOTCUA_MAIL_MAX_ATTEMPTS", "8"))
    )
    # The national public-service portal (motcua.services.portal_wire, ../shared/PORTAL.md):
    # its sign-in and integration endpoints and the province's account. PORTAL_URL empty: no
    # portal, nothing is queued for it. Seconds per HTTP call; attempts before a message is
    # given up (then it waits on the admin's page, and the dossier's later messages behind it).
    PORTAL_AUTH_URL: str = field(
        default_factory=lambda: os.environ.get("MOTCUA_PORTAL_AUTH_URL", "")
    )
    PORTAL_URL: str = field(default_factory=lambda: os.environ.get("MOTCUA_PORTAL_URL", ""))
    PORTAL_USERNAME: str = field(
        default_factory=lambda: os.environ.get("MOTCUA_PORTAL_USERNAME", "")
    )
    PORTAL_PASSWORD: str = field(
        default_factory=lambda: os.environ.get("MOTCUA_PORTAL_PASSWORD", "")
    )
    PORTAL_TIMEOUT: float = field(
        default_factory=lambda: float(os.environ.get("MOTCUA_PORTAL_TIMEOUT", "20"))
    )
    PORTAL_MAX_ATTEMPTS: int = field(
        default_factory=lambda: int(os.environ.get("MOTCUA_PORTAL_MAX_ATTEMPTS", "10"))
    )
    # Dossiers submitted at the portal (motcua.services.portal_inbound; how the portal hands
    # them over is not in the sources [U]): "" none, "push" the portal POSTs them to
    # /api/v1/portal/dossiers with PORTAL_INBOUND_TOKEN as a bearer token, "pull" the worker asks
    # the portal's service PORTAL_INBOUND_SERVICE for them each round.
    PORTAL_INBOUND: str = field(default_factory=lambda: os.environ.get("MOTCUA_PORTAL_INBOUND", ""))
    PORTAL_INBOUND_TOKEN: str = field(
        default_factory=lambda: os.environ.get("MOTCUA_PORTAL_INBOUND_TOKEN", "")
    )
    PORTAL_INBOUND_SERVICE: str = field(
        default_factory=lambda: os.environ.get(
            "MOTCUA_PORTAL_INBOUND_SERVICE", "LayDanhSachHoSoMoi"
        )
    )
    # The province's own online form (motcua.services.online): how long the mailed code is good
    # for, the largest file of a paper, wrong codes per submission, code mails per address in a
    # lookup window, and a virus scanner run on each file (its path last; exit 0 clean, 1
    # infected, anything else a failed scan; empty: none).
    ONLINE_CODE_SECONDS: int = field(
        default_factory=lambda: int(os.environ.get("MOTCUA_ONLINE_CODE_SECONDS", "900"))
    )
    ONLINE_MAX_FILE_BYTES: int = field(
        default_factory=lambda: int(
            os.environ.get("MOTCUA_ONLINE_MAX_FILE_BYTES", str(10 * 1024 * 1024))
        )
    )
    ONLINE_MAX_CODE_FAILURES: int = field(
        default_factory=lambda: int(os.environ.get("MOTCUA_ONLINE_MAX_CODE_FAILURES", "5"))
    )
    ONLINE_MAX_CODE_MAILS: int = field(
        default_factory=lambda: int(os.environ.get("MOTCUA_ONLINE_MAX_CODE_MAILS", "5"))
    )
    # The applicant's link to their dossier (motcua.services.applicant_access): how long the
    # one a lookup gives lasts, and the one a mail carries (a result to download, fees to pay).
    APPLICANT_LOOKUP_SECONDS: int = field(
        default_factory=lambda: int(os.environ.get("MOTCUA_APPLICANT_LOOKUP_SECONDS", "3600"))
    )
    APPLICANT_MAIL_LINK_DAYS: int = field(
        default_factory=lambda: int(os.environ.get("MOTCUA_APPLICANT_MAIL_LINK_DAYS", "30"))
    )
    # How long the result links the national portal is given stay good (DuongDanTepTinKetQua,
    # motcua.services.results_online): the portal's rule for them was not found ([U], PORTAL.md).
    PORTAL_RESULT_LINK_DAYS: int = field(
        default_factory=lambda: int(os.environ.get("MOTCUA_PORTAL_RESULT_LINK_DAYS", "365"))
    )
    # The online payment provider of the fees (motcua.services.payments): "" none (the fees are
    # paid at the desk or by transfer), "vnpay" (motcua.services.payment_vnpay): its payment
    # page, the merchant's terminal code and the secret that signs both ways, as VNPay issues.
    PAYMENT_PROVIDER: str = field(
        default_factory=lambda: os.environ.get("MOTCUA_PAYMENT_PROVIDER", "")
    )
    VNPAY_PAY_URL: str = field(
        default_factory=lambda: os.environ.get(
            "MOTCUA_VNPAY_PAY_URL", "https://sandbox.vnpayment.vn/paymentv2/vpcpay.html"
        )
    )
    VNPAY_TMN_CODE: str = field(default_factory=lambda: os.environ.get("MOTCUA_VNPAY_TMN_CODE", ""))
    VNPAY_HASH_SECRET: str = field(
        default_factory=lambda: os.environ.get("MOTCUA_VNPAY_HASH_SECRET", "")
    )
    VIRUS_SCAN_COMMAND: str = field(
        default_factory=lambda: os.environ.get("MOTCUA_VIRUS_SCAN_COMMAND", "")
    )
    # How a supplement request moves the appointment when the papers come
    # (services.exceptional_paths): "resume" (default: the 766 index subtracts the waiting [S])
    # only adds the time spent waiting, "restart" counts the whole legal limit again.
    SUPPLEMENT_RULE: str = field(
        default_factory=lambda: os.environ.get("MOTCUA_SUPPLEMENT_RULE", "resume")
    )
    # A dossier received after this local hour is handed from the desk to its first processing
    # step at the start of the next working day (Decree 118/2025/NĐ-CP art. 18.2 as amended by
    # 309/2026/NĐ-CP [V]; services.handover).
    HANDOVER_CUTOFF: str = field(
        default_factory=lambda: os.environ.get("MOTCUA_HANDOVER_CUTOFF", "15:00")
    )
    # An apology with a new appointment (form 04) is issued at least this many working days
    # before the appointment's day (61/2018/NĐ-CP's wording, [S]; 0: until the appointment).
    APOLOGY_MIN_WORKING_DAYS_BEFORE: int = field(
        default_factory=lambda: int(os.environ.get("MOTCUA_APOLOGY_MIN_WORKING_DAYS_BEFORE", "1"))
    )
    # Report periods (services.report_periods): months from this day of the previous month
    # (15: the 15th–14th rule; 1: calendar months), weeks from this weekday (4: Friday).
    REPORT_MONTH_START_DAY: int = field(
        default_factory=lambda: int(os.environ.get("MOTCUA_REPORT_MONTH_START_DAY", "15"))
    )
    REPORT_WEEK_START_DAY: int = field(
        default_factory=lambda: int(os.environ.get("MOTCUA_REPORT_WEEK_START_DAY", "4"))
    )
    # The statistics form's identification (services.report_files): its number and the text that
    # issues it (Circular 01/2020/TT-VPCP [S]; a successor changes them), and whom the top unit,
    # which has no parent, reports to.
    STATISTICS_FORM_NUMBER: str = field(
        default_factory=lambda: os.environ.get(
            "MOTCUA_STATISTICS_FORM_NUMBER", "Biểu số 06/VPCP/KSTT"
        )
    )
    STATISTICS_FORM_BASIS: str = field(
        default_factory=lambda: os.environ.get(
            "MOTCUA_STATISTICS_FORM_BASIS", "Ban hành kèm theo Thông tư số 01/2020/TT-VPCP"
        )
    )
    STATISTICS_TOP_RECIPIENT: str = field(
        default_factory=lambda: os.environ.get(
            "MOTCUA_STATISTICS_TOP_RECIPIENT",
            "Văn phòng Chính phủ (Cục Kiểm soát thủ tục hành chính)",
        )
    )
    # The issuing system's name in the QR code of every paper (Circular 01/2023/TT-VPCP [S];
    # services.paper_wording.system_name): empty means "Hệ thống thông tin giải quyết thủ tục
    # hành chính tỉnh …" after the province.
    PAPERS_SYSTEM_NAME: str = field(
        default_factory=lambda: os.environ.get("MOTCUA_PAPERS_SYSTEM_NAME", "")
    )
    # Signing what the platform issues (motcua.services.signing, signing_keys): the folder of
    # PKCS#12 files (<UNIT CODE>.p12 a unit's seal, <username>.p12 a leader's own, each with its
    # passphrase in a sibling .pass file or else SIGNING_P12_PASSPHRASE; <UNIT CODE>.seal.png
    # the seal's image); a PKCS#11 module with its PIN and "owner=token label/key label" pairs;
    # an RFC 3161 timestamp authority; days before expiry the certificates page warns. Nothing
    # set: papers are issued unsigned.
    SIGNING_KEYS_DIR: str = field(
        default_factory=lambda: os.environ.get("MOTCUA_SIGNING_KEYS_DIR", "")
    )
    SIGNING_P12_PASSPHRASE: str = field(
        default_factory=lambda: os.environ.get("MOTCUA_SIGNING_P12_PASSPHRASE", "")
    )
    SIGNING_PKCS11_MODULE: str = field(
        default_factory=lambda: os.environ.get("MOTCUA_SIGNING_PKCS11_MODULE", "")
    )
    SIGNING_PKCS11_PIN: str = field(
        default_factory=lambda: os.environ.get("MOTCUA_SIGNING_PKCS11_PIN", "")
    )
    SIGNING_PKCS11_KEYS: str = field(
        default_factory=lambda: os.environ.get("MOTCUA_SIGNING_PKCS11_KEYS", "")
    )
    SIGNING_TSA_URL: str = field(
        default_factory=lambda: os.environ.get("MOTCUA_SIGNING_TSA_URL", "")
    )
    SIGNING_EXPIRY_WARNING_DAYS: int = field(
        default_factory=lambda: int(os.environ.get("MOTCUA_SIGNING_EXPIRY_WARNING_DAYS", "30"))
    )
    # Checking the signatures of every PDF received (motcua.services.signature_check): a PEM
    # file, or a folder of them, of the roots trusted (the national root CA and its licensed
    # CAs); empty: nothing is trusted, so signed files read "untrusted", never "valid".
    # Revocation: "soft" asks OCSP/CRL when the certificate names them (unknown when they
    # cannot be reached), "off" never asks; each request waits at most the timeout (seconds).
    SIGNATURE_TRUST_ROOTS: str = field(
        default_factory=lambda: os.environ.get("MOTCUA_SIGNATURE_TRUST_ROOTS", "")
    )
    SIGNATURE_REVOCATION: str = field(
        default_factory=lambda: os.environ.get("MOTCUA_SIGNATURE_REVOCATION", "soft")
    )
    SIGNATURE_REVOCATION_TIMEOUT: float = field(
        default_factory=lambda: float(os.environ.get("MOTCUA_SIGNATURE_REVOCATION_TIMEOUT", "5"))
    )
    BABEL_DEFAULT_LOCALE: str = "vi"
    LANGUAGES: tuple = ("vi", "en")
    TESTING: bool = False

    def as_dict(self) -> dict:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}
