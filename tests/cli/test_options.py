"""Command-line options come from the config fields: every described field is an option, with the
field's description as its help, and a value given lands on the field."""

from __future__ import annotations

import pytest
import typer
from pydantic import BaseModel

from oligomet.cli import app
from oligomet.cli._options import config_command, config_options
from oligomet.workflow import ClusterConfig, EvaluateConfig, TrainConfig

COMMANDS = {"train": TrainConfig, "evaluate": EvaluateConfig, "cluster": ClusterConfig}


def _click_options(name: str) -> dict[str, str]:
    command = typer.main.get_command(app).commands[name]
    return {opt: param.help or "" for param in command.params for opt in param.opts}


def _fields_with_options(config_cls, prefix="", skip=None):
    """Dotted fields that declare an option, found by walking the config (independently of the
    builder)."""
    skip = config_cls.cli_skip if skip is None else skip
    found = {}
    for name, field in config_cls.model_fields.items():
        path = f"{prefix}{name}"
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            found |= _fields_with_options(annotation, f"{path}.", skip)
            continue
        extra = field.json_schema_extra or {}
        if "cli" in extra and path not in skip:
            found[path] = extra["cli"].split("/")[0]
    return found


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_described_field_is_an_option_with_its_description(name):
    config_cls = COMMANDS[name]
    options = _click_options(name)
    fields = _fields_with_options(config_cls)
    assert len(fields) >= 10
    for path, flag in fields.items():
        assert flag in options, f"{name}: {path} has no option {flag}"
    for option in config_options(config_cls):
        help_text = options[option.flags[0].split("/")[0]]
        described = config_cls.cli_help.get(option.path)
        if described is None and not option.per_view:
            section, _, field = option.path.rpartition(".")
            owner = config_cls
            for part in filter(None, section.split(".")):
                owner = owner.model_fields[part].annotation
            described = owner.model_fields[field].description
        if described:
            assert help_text.startswith(described.split("(")[0].strip()), (option.path, help_text)


def test_commands_word_the_same_field_for_their_purpose():
    assert "Omit to train" in _click_options("train")["--expression"]
    assert "validation cohort" in _click_options("evaluate")["--expression"]
    assert "Omit to train" not in _click_options("evaluate")["--expression"]
    assert "at least two" in _click_options("cluster")["--expression"]
    assert "--groups" not in _click_options("cluster")
    assert "--time" in _click_options("cluster") and "--horizon" not in _click_options("cluster")


def test_two_fields_claiming_one_option_are_refused():
    from pydantic import Field

    class Clashing(BaseModel):
        first: int = Field(1, description="one", json_schema_extra={"cli": "--same"})
        second: int = Field(2, description="two", json_schema_extra={"cli": "--same"})

    import oligomet.cli._options as options

    options.Clashing = Clashing  # the builder imports the class by name
    try:
        with pytest.raises(RuntimeError, match="--same is both first and second"):
            config_command("clash", "oligomet.cli._options:Clashing", help="x")(
                lambda *a, **k: None
            )
    finally:
        del options.Clashing


def test_values_land_on_their_fields(monkeypatch, tmp_path):
    import oligomet.workflow as workflow

    monkeypatch.chdir(tmp_path)  # the tables must exist: they are checked before the command runs
    for name in ("a.csv", "b.csv"):
        (tmp_path / name).write_text("id,x\n")
    seen = {}
    monkeypatch.setattr(workflow, "train", lambda config, **kw: seen.setdefault("config", config))
    monkeypatch.setattr("oligomet.cli.train.print_result", lambda result, as_json: None)
    result = typer.testing.CliRunner().invoke(
        app,
        ["train", "-e", "a.csv", "-e", "b.csv", "--transform", "log2", "--sep", "tab",
         "--label", "M", "--positive", "M1", "--n-splits", "3", "--no-search", "--no-log-model",
         "--name", "reg", "--cv.n_inner_splits", "4"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    config = seen["config"]
    assert [str(v.path) for v in config.read.expression] == ["a.csv", "b.csv"]
    assert {v.transform for v in config.read.expression} == {"log2"}
    assert {v.sep for v in config.read.expression} == {"\t"}
    assert config.label.column == "M" and config.label.positive == ["M1"]
    assert config.cv.n_splits == 3 and config.cv.n_inner_splits == 4
    assert config.model.search is False and config.tracking.log_model is False
    assert config.tracking.registered_name == "reg"


def test_options_of_each_table_need_a_table(oligomet, user_error):
    user_error(oligomet("train", "--transform", "log2"), "--transform apply to --expression")
