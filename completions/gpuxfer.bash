# bash completion for gpuxfer: subcommands, options, and the values an option allows.
# Installed as share/bash-completion/completions/gpuxfer; ctest bash_completion holds the lists
# below to what `gpuxfer --help` and `gpuxfer SUB --help` print.

_gpuxfer_subcommands="list bench compare check fleet report show"
# Accepted before or after the subcommand (the parser falls through to them).
_gpuxfer_global="--help --format --output --devices --quiet --verbose -h -o -d -q -v"
# Only before a subcommand: after one, the subcommand would run first.
_gpuxfer_top_only="--version -V"

_gpuxfer_options_of() {
  case $1 in
    list) echo "--no-enable-peer" ;;
    bench) echo "--suites --sizes --chase-sizes --shape --dtype --quick --all-pairs --samples --warmup
                 --min-sample-time --timeout --no-verify --no-gate --streams --progress --schedule
                 --save-json --sm-blocks-per-sm --sm-threads --sm-unroll --sm-kernel --sm-chunk
                 --sm-stages --gemm-n --precisions --gemm-inputs --gemm-rest --ew-threads
                 --ew-blocks-per-sm --ew-cache --telemetry --detail" ;;
    compare) echo "--tolerance --fail-on --suites --methods --sizes --noise-model" ;;
    check) echo "--expect --quick --full --strict-pcie --emit-expect --margin --junit --prom --save-json" ;;
    fleet) echo "--threshold --mad-k --mix-groups --junit --prom --threads" ;;
    report) echo "--title --detail" ;;
    show) echo "--detail" ;;
  esac
}

# Options that take a value, so the word after them is never a subcommand or an option.
_gpuxfer_takes_value() {
  case $1 in
    --format | -o | --output | -d | --devices) return 0 ;;
    --suites | --sizes | --chase-sizes | --shape | --dtype | --samples | --warmup | --min-sample-time | --timeout) return 0 ;;
    --streams | --progress | --schedule | --save-json | --sm-blocks-per-sm | --sm-threads) return 0 ;;
    --sm-unroll | --sm-kernel | --sm-chunk | --sm-stages | --gemm-n | --precisions) return 0 ;;
    --gemm-inputs | --gemm-rest | --ew-threads | --ew-blocks-per-sm | --ew-cache | --telemetry) return 0 ;;
    --tolerance | --fail-on | --methods | --noise-model) return 0 ;;
    --expect | --emit-expect | --margin | --junit | --prom | --title) return 0 ;;
    --threshold | --mad-k | --threads | --detail) return 0 ;;
  esac
  return 1
}

# Completes the last element of a comma list: "peer,st" -> "peer,staged".
_gpuxfer_comma_list() {
  local cur=$1 words=$2 head="" item
  [[ $cur == *,* ]] && head=${cur%,*},
  COMPREPLY=()
  for item in $(compgen -W "$words" -- "${cur##*,}"); do
    COMPREPLY+=("$head$item")
  done
  compopt -o nospace 2>/dev/null
}

_gpuxfer_files() {
  local cur=$1 pattern=$2
  compopt -o filenames 2>/dev/null
  if [[ -n $pattern ]]; then
    COMPREPLY=($(compgen -d -- "$cur") $(compgen -f -X "!$pattern" -- "$cur"))
  else
    COMPREPLY=($(compgen -f -- "$cur"))
  fi
}

_gpuxfer() {
  local cur=${COMP_WORDS[COMP_CWORD]} prev="" sub="" i word
  ((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}
  COMPREPLY=()

  for ((i = 1; i < COMP_CWORD; i++)); do
    word=${COMP_WORDS[i]}
    if _gpuxfer_takes_value "$word"; then
      ((i++))
    elif [[ -z $sub && " $_gpuxfer_subcommands " == *" $word "* ]]; then
      sub=$word
    fi
  done

  # The loop skipped past the cursor: the word there is the value of the option before it
  # ("--format json --output" is an option wanting a value; "--format --output" is not).
  if ((i > COMP_CWORD)); then
    case $prev in
      --format) COMPREPLY=($(compgen -W "table json csv markdown" -- "$cur")) ;;
      -d | --devices) COMPREPLY=($(compgen -W "all" -- "$cur")) ;;
      -o | --output | --save-json | --emit-expect | --junit | --prom) _gpuxfer_files "$cur" "" ;;
      --expect) _gpuxfer_files "$cur" "*.json" ;;
      --noise-model)
        _gpuxfer_files "$cur" "*.json"
        COMPREPLY+=($(compgen -W "none" -- "$cur")) ;;
      --suites)
        if [[ $sub == compare ]]; then
          _gpuxfer_comma_list "$cur" "peer staged host async latency elementwise gemm overlap"
        else
          _gpuxfer_comma_list "$cur" "peer staged host async latency elementwise gemm overlap all"
        fi ;;
      --precisions) _gpuxfer_comma_list "$cur" "fp32 tf32 bf16 fp16 all" ;;
      --dtype) COMPREPLY=($(compgen -W "f32 f16 bf16 f64" -- "$cur")) ;;
      --progress) COMPREPLY=($(compgen -W "auto never" -- "$cur")) ;;
      --schedule) COMPREPLY=($(compgen -W "rounds serial" -- "$cur")) ;;
      --sm-kernel) COMPREPLY=($(compgen -W "vector bulk" -- "$cur")) ;;
      --ew-cache) COMPREPLY=($(compgen -W "streaming default" -- "$cur")) ;;
      --telemetry) COMPREPLY=($(compgen -W "on off" -- "$cur")) ;;
      --detail) COMPREPLY=($(compgen -W "summary compact full" -- "$cur")) ;;
      --fail-on) COMPREPLY=($(compgen -W "never slower any" -- "$cur")) ;;
      --sizes) [[ $sub == compare ]] && COMPREPLY=($(compgen -W "headline all" -- "$cur")) ;;
      --margin) COMPREPLY=($(compgen -W "auto" -- "$cur")) ;;
      --threads) COMPREPLY=($(compgen -W "auto" -- "$cur")) ;;
    esac
    return 0
  fi

  if [[ $cur == -* ]]; then
    if [[ -z $sub ]]; then
      COMPREPLY=($(compgen -W "$_gpuxfer_global $_gpuxfer_top_only" -- "$cur"))
    else
      COMPREPLY=($(compgen -W "$(_gpuxfer_options_of "$sub") $_gpuxfer_global" -- "$cur"))
    fi
    return 0
  fi

  case $sub in
    "") COMPREPLY=($(compgen -W "$_gpuxfer_subcommands" -- "$cur")) ;;
    compare | check | fleet | report | show) _gpuxfer_files "$cur" "*.json" ;;
  esac
  return 0
}

complete -F _gpuxfer gpuxfer
