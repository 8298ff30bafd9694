/* Test-only shared object without the exporterd_plugin descriptor: the loader must refuse it. */
__attribute__((visibility("default"))) int not_a_plugin_answer(void);

int not_a_plugin_answer(void)
{
	return 42;
}
