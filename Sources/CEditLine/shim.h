#include <stdio.h>
#include <histedit.h>
#include <editline/readline.h>
#include <sys/ioctl.h>
#include <unistd.h>

/* el_set, el_get and history are variadic, which Swift cannot call: these fixed-argument
   wrappers are the few operations the REPL's libedit reader uses (Sources/RhetorREPL). */

typedef char *(*rhetor_prompt_fn)(EditLine *);
typedef unsigned char (*rhetor_key_fn)(EditLine *, int);

static inline int rhetor_el_set_prompt(EditLine *e, rhetor_prompt_fn f, char escape) {
    return el_set(e, EL_PROMPT_ESC, f, escape);
}
static inline int rhetor_el_set_editor(EditLine *e, const char *mode) { return el_set(e, EL_EDITOR, mode); }
static inline int rhetor_el_set_signal(EditLine *e, int on) { return el_set(e, EL_SIGNAL, on); }
static inline int rhetor_el_set_clientdata(EditLine *e, void *data) { return el_set(e, EL_CLIENTDATA, data); }
static inline void *rhetor_el_get_clientdata(EditLine *e) {
    void *data = NULL;
    el_get(e, EL_CLIENTDATA, &data);
    return data;
}
static inline int rhetor_el_set_history(EditLine *e, History *h) { return el_set(e, EL_HIST, history, h); }
static inline int rhetor_el_addfn(EditLine *e, const char *name, const char *help, rhetor_key_fn f) {
    return el_set(e, EL_ADDFN, name, help, f);
}
static inline int rhetor_el_bind(EditLine *e, const char *key, const char *fn) { return el_set(e, EL_BIND, key, fn, NULL); }
/* One stty-style setting for edit mode, e.g. "-isig". */
static inline int rhetor_el_setty_edit(EditLine *e, const char *setting) { return el_set(e, EL_SETTY, "-d", setting, NULL); }
static inline int rhetor_el_prep_term(EditLine *e, int raw) { return el_set(e, EL_PREP_TERM, raw); }

static inline int rhetor_history_setsize(History *h, int n) { HistEvent ev; return history(h, &ev, H_SETSIZE, n); }
static inline int rhetor_history_clear(History *h) { HistEvent ev; return history(h, &ev, H_CLEAR); }
static inline int rhetor_history_enter(History *h, const char *line) { HistEvent ev; return history(h, &ev, H_ENTER, line); }

/* The standard streams (C globals Swift 6 will not touch directly). */
static inline FILE *rhetor_stdin(void) { return stdin; }
static inline FILE *rhetor_stdout(void) { return stdout; }
static inline FILE *rhetor_stderr(void) { return stderr; }

/* Terminal width in columns, or 0 when unknown. */
static inline int rhetor_terminal_columns(int fd) {
    struct winsize w;
    if (ioctl(fd, TIOCGWINSZ, &w) == 0 && w.ws_col > 0) return w.ws_col;
    return 0;
}
