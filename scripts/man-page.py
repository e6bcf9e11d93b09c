#!/usr/bin/env python3
"""Writes provisor(1), a man page in roff, from the command definitions themselves:
`provisor --experimental-dump-help` (swift-argument-parser's description of every command,
option and argument), so the page cannot drift from the code.

Usage: scripts/man-page.py PROVISOR_BINARY > provisor.1
"""
import datetime
import json
import os
import subprocess
import sys


def roff(text):
    """Text safe in roff: backslashes doubled, a leading dot or quote escaped."""
    text = (text or "").replace("\\", "\\e")
    lines = []
    for line in text.split("\n"):
        if line.startswith(".") or line.startswith("'"):
            line = "\\&" + line
        lines.append(line)
    return "\n".join(lines)


def synopsis_name(argument):
    names = argument.get("names") or []
    longs = [n["name"] for n in names if n["kind"] == "long"]
    shorts = [n["name"] for n in names if n["kind"] == "short"]
    flag = ("--" + longs[0]) if longs else ("-" + shorts[0] if shorts else argument.get("valueName", ""))
    if argument["kind"] == "option":
        return f"{flag} <{argument.get('valueName', 'value')}>"
    if argument["kind"] == "positional":
        return f"<{argument.get('valueName', 'value')}>"
    return flag


def options(command, out):
    shown = [a for a in command.get("arguments", []) if a.get("shouldDisplay", True)]
    if not shown:
        return
    for argument in shown:
        out.append(".TP")
        out.append("\\fB" + roff(synopsis_name(argument)) + "\\fR" + (" (repeatable)" if argument.get("isRepeating") else ""))
        text = argument.get("abstract", "")
        if argument.get("defaultValue") not in (None, ""):
            text += f" (default: {argument['defaultValue']})"
        out.append(roff(text))


def main():
    binary = sys.argv[1]
    dump = json.loads(subprocess.run([binary, "--experimental-dump-help"], check=True, capture_output=True, text=True).stdout)
    root = dump["command"]
    version = subprocess.run([binary, "--version"], check=True, capture_output=True, text=True).stdout.strip()
    # SOURCE_DATE_EPOCH keeps the page reproducible (the Debian package is built from it).
    epoch = int(os.environ.get("SOURCE_DATE_EPOCH", "0") or 0)
    date = datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc).strftime("%Y-%m-%d") if epoch else ""
    out = [
        f'.TH PROVISOR 1 "{date}" "provisor {roff(version)}" "Provisor manual"',
        ".SH NAME",
        "provisor \\- " + roff(root.get("abstract", "")),
        ".SH SYNOPSIS",
        "\\fBprovisor\\fR \\fIcommand\\fR [\\fIoptions\\fR]",
    ]
    if root.get("discussion"):
        out += [".SH DESCRIPTION", roff(root["discussion"])]
    out.append(".SH COMMANDS")
    for command in root.get("subcommands", []):
        if not command.get("shouldDisplay", True) or command["commandName"] == "help":
            continue
        out += [".SS " + roff("provisor " + command["commandName"]), roff(command.get("abstract", ""))]
        if command.get("discussion"):
            out += [".PP", roff(command["discussion"])]
        options(command, out)
        for sub in command.get("subcommands", []):
            if not sub.get("shouldDisplay", True) or sub["commandName"] == "help":
                continue
            out += [".SS " + roff(f"provisor {command['commandName']} {sub['commandName']}"), roff(sub.get("abstract", ""))]
            if sub.get("discussion"):
                out += [".PP", roff(sub["discussion"])]
            options(sub, out)
    out += [
        ".SH FILES",
        ".TP",
        "\\fIprovisor.yaml\\fR",
        "The repository configuration: manifests, state, safety, delegation, drift, notifications and policy.",
        ".SH SEE ALSO",
        "The documentation in /usr/share/doc/provisor, and the JSON Schemas in /usr/share/provisor/schemas.",
    ]
    sys.stdout.write("\n".join(out) + "\n")


main()
