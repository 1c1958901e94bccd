"""The encryption block: values from variables wherever they come from, and
every mistake reported at its place in the file."""

from __future__ import annotations

import pytest

from govctl.config.loader import load_config
from govctl.state.encryption import AesGcm, PassphraseProvider, Unencrypted, load
from tests.state.encryption.conftest import PASSPHRASE, Loader, errors

FULL = """
variable "state_passphrase" {
  type      = string
  sensitive = true
}
govctl {
  encryption {
    key_provider "passphrase" "main" {
      passphrase = var.state_passphrase
      kdf        = "pbkdf2_sha512"
    }
    key_provider "aws_kms" "prod" {
      kms_key_id = "alias/govctl-state"
      key_spec   = "AES_256"
    }
    method "aes_gcm" "new" { keys = key_provider.aws_kms.prod }
    method "aes_gcm" "old" { keys = key_provider.passphrase.main }
    method "unencrypted" "migrate" {}
    state {
      method   = method.aes_gcm.new
      enforced = true
      fallback { method = method.aes_gcm.old }
    }
    plan { method = method.aes_gcm.new }
  }
}
"""


@pytest.mark.parametrize("source", ["-var", "environment", "tfvars", "auto.tfvars"])
def test_the_documented_example_with_variables_from_anywhere(load_encryption: Loader,
                                                              source: str) -> None:
    cli: list[tuple[str, str]] = []
    env: dict[str, str] = {}
    files: dict[str, str] = {}
    if source == "-var":
        cli = [("var", f"state_passphrase={PASSPHRASE}")]
    elif source == "environment":
        env = {"GOVCTL_VAR_state_passphrase": PASSPHRASE}
    elif source == "tfvars":
        files = {"govctl.tfvars": f'state_passphrase = "{PASSPHRASE}"\n'}
    else:
        files = {"secrets.auto.tfvars": f'state_passphrase = "{PASSPHRASE}"\n'}
    cfg, diags = load_encryption(FULL, cli, env, files)
    assert diags == []
    assert cfg is not None and cfg.state is not None and cfg.plan is not None
    assert sorted(cfg.key_providers) == ["aws_kms.prod", "passphrase.main"]
    assert sorted(cfg.methods) == ["aes_gcm.new", "aes_gcm.old", "unencrypted.migrate"]
    assert isinstance(cfg.state.method, AesGcm) and cfg.state.method.keys.id == "aws_kms.prod"
    assert isinstance(cfg.state.fallback, AesGcm)
    main = cfg.state.fallback.keys
    assert isinstance(main, PassphraseProvider) and main.kdf == "pbkdf2_sha512"
    assert cfg.state.enforced and cfg.plan.fallback is None
    assert isinstance(cfg.methods["unencrypted.migrate"], Unencrypted)
    # the passphrase is in no representation of the configuration
    assert PASSPHRASE not in repr(cfg) + repr(cfg.key_providers) + repr(cfg.state)


def test_validate_checks_structure_with_unknown_variables(tmp_path) -> None:
    (tmp_path / "main.hcl").write_text(FULL)
    module, _ = load_config(tmp_path)
    cfg, diags = load(module, None)
    assert cfg is None and diags == []
    (tmp_path / "main.hcl").write_text(FULL.replace("aws_gcm", "x").replace(
        "keys = key_provider.aws_kms.prod", "keys = key_provider.aws_kms.prd"))
    module, _ = load_config(tmp_path)
    _, diags = load(module, None)
    assert errors(diags) == [("Reference to undeclared key provider", "main.hcl:16:37")]


def wrap(inner: str, state: str = "state { method = method.aes_gcm.m }") -> str:
    return f"""\
variable "pw" {{
  default = "{PASSPHRASE}"
}}
govctl {{
  encryption {{
{inner}
    {state}
  }}
}}
"""


GOOD_PROVIDER = '    key_provider "passphrase" "p" { passphrase = var.pw }'
GOOD_METHOD = '    method "aes_gcm" "m" { keys = key_provider.passphrase.p }'

MISTAKES = {
    "unknown key provider type": (
        '    key_provider "passphrse" "p" { passphrase = var.pw }\n' + GOOD_METHOD,
        "state { method = method.aes_gcm.m }",
        [("Unknown key provider type", "main.hcl:6:18"),
         ("Reference to undeclared key provider", "main.hcl:7:35")],
        'Did you mean "passphrase"?'),
    "unknown method type": (
        GOOD_PROVIDER + '\n    method "aes_gmc" "m" { keys = key_provider.passphrase.p }',
        "state { method = method.aes_gcm.m }",
        [("Unknown method type", "main.hcl:7:12"),
         ("Reference to undeclared method", "main.hcl:8:22")],
        'Did you mean "aes_gcm"?'),
    "undefined key provider": (
        GOOD_PROVIDER + '\n    method "aes_gcm" "m" { keys = key_provider.passphrase.q }',
        "state { method = method.aes_gcm.m }",
        [("Reference to undeclared key provider", "main.hcl:7:35")],
        'Did you mean "passphrase.p"?'),
    "undefined method": (
        GOOD_PROVIDER + "\n" + GOOD_METHOD,
        "state { method = method.aes_gcm.n }",
        [("Reference to undeclared method", "main.hcl:8:22")],
        'No method "aes_gcm" "n" is declared'),
    "fallback to an undefined method": (
        GOOD_PROVIDER + "\n" + GOOD_METHOD,
        "state {\n      method = method.aes_gcm.m\n"
        "      fallback { method = method.unencrypted.old }\n    }",
        [("Reference to undeclared method", "main.hcl:10:27")],
        ""),
    "reference that is not one": (
        GOOD_PROVIDER + '\n    method "aes_gcm" "m" { keys = "passphrase.p" }',
        "state { method = method.aes_gcm.m }",
        [("Invalid reference", "main.hcl:7:35")],
        "must be a reference like key_provider.TYPE.NAME"),
    "missing passphrase": (
        '    key_provider "passphrase" "p" { kdf = "scrypt" }\n' + GOOD_METHOD,
        "state { method = method.aes_gcm.m }",
        [("Missing required argument", "main.hcl:6:5")],
        'The argument "passphrase" is required'),
    "short passphrase": (
        '    key_provider "passphrase" "p" { passphrase = "too short" }\n' + GOOD_METHOD,
        "state { method = method.aes_gcm.m }",
        [("Passphrase too short", "main.hcl:6:50")],
        "at least 16 characters"),
    "unknown kdf": (
        '    key_provider "passphrase" "p" {\n      passphrase = var.pw\n'
        '      kdf        = "scrypto"\n    }\n' + GOOD_METHOD,
        "state { method = method.aes_gcm.m }",
        [("Unsupported key derivation function", "main.hcl:8:20")],
        'Did you mean "scrypt"?'),
    "unencrypted enforced": (
        '    method "unencrypted" "u" {}',
        "state {\n      method   = method.unencrypted.u\n      enforced = true\n    }",
        [("Unencrypted method enforced against", "main.hcl:8:18")],
        "use it as the fallback"),
    "unknown argument": (
        '    key_provider "passphrase" "p" {\n      passphrase = var.pw\n'
        '      iterations = 5\n    }\n' + GOOD_METHOD,
        "state { method = method.aes_gcm.m }",
        [("Unsupported argument", "main.hcl:8:7")],
        'not expected in a key_provider "passphrase" block'),
    "unknown block": (
        GOOD_PROVIDER + "\n" + GOOD_METHOD + "\n    statefile { method = method.aes_gcm.m }",
        "",
        [("Unsupported block type", "main.hcl:8:5")],
        'Did you mean "state"?'),
    "duplicate key provider": (
        GOOD_PROVIDER + "\n" + GOOD_PROVIDER + "\n" + GOOD_METHOD,
        "state { method = method.aes_gcm.m }",
        [('Duplicate key_provider "passphrase" "p"', "main.hcl:7:5")],
        "already declared at"),
    "state without method": (
        GOOD_PROVIDER + "\n" + GOOD_METHOD,
        "state { enforced = true }",
        [("Missing required argument", "main.hcl:8:5")],
        'The argument "method" is required in a state block'),
    "kms key spec": (
        '    key_provider "aws_kms" "k" {\n      kms_key_id = "alias/x"\n'
        '      key_spec   = "AES_128"\n    }\n'
        '    method "aes_gcm" "m" { keys = key_provider.aws_kms.k }',
        "state { method = method.aes_gcm.m }",
        [("Unsupported key_spec", "main.hcl:8:20")],
        "256-bit data key"),
    "reference to a local": (
        '    key_provider "passphrase" "p" { passphrase = local.pw }\n' + GOOD_METHOD,
        "state { method = method.aes_gcm.m }",
        [("Invalid reference", "main.hcl:6:50")],
        'References to "local" are not allowed here.'),
    "enforced not a bool": (
        GOOD_PROVIDER + "\n" + GOOD_METHOD,
        'state {\n      method   = method.aes_gcm.m\n      enforced = "always"\n    }',
        [("Invalid value", "main.hcl:10:18")],
        "The enforced is invalid"),
}


@pytest.mark.parametrize("mistake", sorted(MISTAKES))
def test_each_mistake_is_a_diagnostic_at_its_place(load_encryption: Loader,
                                                    mistake: str) -> None:
    inner, state, expected, detail = MISTAKES[mistake]
    cfg, diags = load_encryption(wrap(inner, state))
    assert cfg is None
    assert errors(diags) == expected, [d.render() for d in diags]
    assert detail in diags[0].detail
    assert PASSPHRASE not in "".join(d.render() for d in diags)


def test_short_passphrase_from_a_variable_is_reported_without_it(load_encryption: Loader) -> None:
    cfg, diags = load_encryption(wrap(GOOD_PROVIDER + "\n" + GOOD_METHOD),
                                 [("var", "pw=hunter2")])
    assert cfg is None
    assert errors(diags) == [("Passphrase too short", "main.hcl:6:50")]
    assert "hunter2" not in diags[0].render()


def test_missing_variable_value_is_reported(load_encryption: Loader) -> None:
    hcl = wrap(GOOD_PROVIDER + "\n" + GOOD_METHOD).replace(
        f'variable "pw" {{\n  default = "{PASSPHRASE}"\n}}', 'variable "pw" {}')
    cfg, diags = load_encryption(hcl)
    assert cfg is None
    assert errors(diags)[0] == ("No value for required variable", "main.hcl:1:1")


def test_decoder_rejects_a_second_encryption_block(tmp_path) -> None:
    (tmp_path / "main.hcl").write_text(wrap(GOOD_PROVIDER + "\n" + GOOD_METHOD))
    (tmp_path / "more.hcl").write_text("govctl {\n  encryption {}\n}\n")
    _, diags = load_config(tmp_path)
    assert [(d.summary, str(d.range).rsplit("/", 1)[-1]) for d in diags] == \
        [("Duplicate encryption configuration", "more.hcl:2:3")]
