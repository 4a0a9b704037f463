"""mmsgnas: SGNAS (CVPR 2021) as an OpenMMLab plugin.

Like mmpretrain, the package exposes ``configs/`` and ``tools/`` under ``mmsgnas/.mim`` so
that ``mmsgnas::sgnas/supernet.py`` resolves as a config base and ``mim`` finds the tools.
"""
import os
import os.path as osp
import shutil
import sys
import warnings

from setuptools import find_packages, setup

HERE = osp.dirname(osp.abspath(__file__))


def get_version() -> str:
    scope: dict = {}
    with open(osp.join(HERE, 'mmsgnas', 'version.py')) as f:
        exec(f.read(), scope)
    return scope['__version__']


def parse_requirements(fname: str) -> list:
    reqs = []
    with open(osp.join(HERE, 'requirements', fname)) as f:
        for line in f:
            line = line.split('#', 1)[0].strip()
            if line:
                reqs.append(line)
    return reqs


def add_mim_extension() -> None:
    """Expose configs/, tools/, the embedded data and model-index.yml under ``mmsgnas/.mim``
    (as mmpretrain does), so an installed package finds its configs' data and ``mim`` its
    tools and models.

    Editable installs get symlinks, so edits in ``configs/`` are seen at once; other installs
    get copies.
    """
    if 'develop' in sys.argv or 'editable_wheel' in sys.argv:
        mode = 'symlink'
    elif any(a in sys.argv for a in ('sdist', 'bdist_wheel', 'install')):
        mode = 'copy'
    else:
        return
    mim_path = osp.join(HERE, 'mmsgnas', '.mim')
    os.makedirs(mim_path, exist_ok=True)
    for name in ('configs', 'tools', 'data', 'model-index.yml'):
        src = osp.join(HERE, name)
        dst = osp.join(mim_path, name)
        if osp.isfile(dst) or osp.islink(dst):
            os.remove(dst)
        elif osp.isdir(dst):
            shutil.rmtree(dst)
        if mode == 'symlink':
            try:
                os.symlink(osp.relpath(src, mim_path), dst)
                continue
            except OSError:
                warnings.warn(f'symlink {dst} failed, copying instead')
        if osp.isdir(src):
            shutil.copytree(src, dst)
        else:
            shutil.copyfile(src, dst)


if __name__ == '__main__':
    add_mim_extension()
    setup(
        name='mmsgnas',
        version=get_version(),
        description='SGNAS: searching by generating, as an OpenMMLab plugin',
        long_description=open(osp.join(HERE, 'README.md')).read(),
        long_description_content_type='text/markdown',
        packages=find_packages(exclude=('configs', 'tools', 'tests')),
        include_package_data=True,
        package_data={'mmsgnas': ['.mim/configs/**/*', '.mim/tools/**/*', '.mim/data/**/*',
                                  '.mim/model-index.yml']},
        python_requires='>=3.10',
        install_requires=parse_requirements('runtime.txt'),
        extras_require={'tests': parse_requirements('tests.txt')},
        license='Apache License 2.0',
        zip_safe=False,
    )
