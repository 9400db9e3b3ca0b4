#!/bin/sh
# Make sure .venv is ready: the Makefile runs this before every command that needs it.
#   sh tools/setup_venv.sh PYTHON [ORIGIN]
# PYTHON is the program that makes .venv (python3 if unset); ORIGIN is make's
# $(origin PYTHON), "command line" when the learner named one (make run PYTHON=python3.12).
# - Checks PYTHON before making .venv, and whenever the learner named one: one clear line,
#   and exit 1, when it is missing or older than 3.11 (the oldest Python that every pin in
#   requirements.txt installs on).
# - Makes .venv again when the one there cannot serve: its Python is too old, no longer
#   runs (it was uninstalled or upgraded), or an interrupted set-up left it without pip.
# - Installs requirements.txt when it changed since the last install, and only then
#   writes .venv/.installed. A failure leaves no half-made .venv: a new one is removed,
#   an older one loses its mark, so the next `make` tries again.
set -u
python=${1:-python3}
origin=${2:-}
venv=.venv
needed_minor=11 # Python 3.11
rebuild=""
venv_version=""
made_now=""

# The "3.12" of the Python at $1, or nothing if it does not run as a Python.
version_of() {
    "$1" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null
}

# Is $1 (a "3.12") at least 3.11?
new_enough() {
    case $1 in
    3.[0-9] | 3.[0-9][0-9]) [ "${1#3.}" -ge $needed_minor ] ;;
    [4-9].*) true ;;
    *) false ;;
    esac
}

# A .venv that cannot serve is made again (but only once we know PYTHON can make it).
if [ -d $venv ]; then
    venv_version=$(version_of $venv/bin/python)
    if [ -z "$venv_version" ]; then
        rebuild=".venv's Python no longer runs (the Python that made it was removed or upgraded)"
    elif ! new_enough "$venv_version"; then
        rebuild=".venv was made by Python $venv_version, older than 3.$needed_minor"
    elif [ ! -x $venv/bin/pip ]; then
        rebuild=".venv is half-made (its set-up was interrupted)"
    fi
fi

if [ ! -d $venv ] || [ -n "$rebuild" ] || [ "$origin" = "command line" ]; then
    hint="install one from python.org or set PYTHON=python3.12"
    where=$(command -v "$python") || {
        case $python in
        */*) nothing="nothing at $python" ;;
        *) nothing="no $python on your PATH" ;;
        esac
        echo "Python 3.$needed_minor or newer is needed; found $nothing; $hint" >&2
        exit 1
    }
    version=$(version_of "$where")
    if ! new_enough "$version"; then
        echo "Python 3.$needed_minor or newer is needed; found ${version:-no working Python}" \
            "at $where; $hint" >&2
        exit 1
    fi
    if [ -n "$rebuild" ]; then
        echo "$rebuild: making it again."
        rm -rf $venv
    elif [ -d $venv ] && [ "$venv_version" != "$version" ]; then
        echo "(.venv has Python $venv_version; rm -rf .venv, then make again, to use $python.)"
    fi
fi

if [ ! -d $venv ]; then
    echo "Making $venv with Python $version ($where)."
    "$where" -m venv $venv || {
        rm -rf $venv
        echo "Could not make $venv with $where (on Debian and Ubuntu:" \
            "sudo apt install python3-venv); nothing was left behind." >&2
        exit 1
    }
    made_now=yes
fi

if [ ! -f $venv/.installed ] || [ requirements.txt -nt $venv/.installed ]; then
    echo "Installing requirements.txt into $venv."
    $venv/bin/pip install --disable-pip-version-check -q -r requirements.txt || {
        if [ "$made_now" = yes ]; then
            rm -rf $venv
            echo "pip could not install requirements.txt (see above); the new .venv was" \
                "removed, and the next make starts again." >&2
        else
            rm -f $venv/.installed
            echo "pip could not install requirements.txt (see above); the next make" \
                "tries again." >&2
        fi
        exit 1
    }
    touch $venv/.installed
fi
