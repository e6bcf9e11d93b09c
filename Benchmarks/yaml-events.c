/* Baseline for the loader benchmark: parse every file whose path is a line of standard input
 * with libyaml's event API and nothing else (no tree, no decoding), single-threaded, and count
 * the events. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

static int parse(const char *path, unsigned long *events) {
    FILE *file = fopen(path, "rb");
    if (!file) { perror(path); return 1; }
    yaml_parser_t parser;
    yaml_event_t event;
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_file(&parser, file);
    int done = 0;
    while (!done) {
        if (!yaml_parser_parse(&parser, &event)) { fprintf(stderr, "%s: %s\n", path, parser.problem); return 1; }
        done = event.type == YAML_STREAM_END_EVENT;
        yaml_event_delete(&event);
        (*events)++;
    }
    yaml_parser_delete(&parser);
    fclose(file);
    return 0;
}

int main(void) {
    unsigned long events = 0, files = 0;
    char path[4096];
    while (fgets(path, sizeof path, stdin)) {
        path[strcspn(path, "\n")] = 0;
        if (!*path) continue;
        if (parse(path, &events)) return 1;
        files++;
    }
    printf("%lu files, %lu events\n", files, events);
    return 0;
}
