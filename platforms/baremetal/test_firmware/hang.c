/* A firmware that never answers: reads nothing, writes nothing. Tests that the host times out. */
int main(void) {
  for (;;) {
  }
}
